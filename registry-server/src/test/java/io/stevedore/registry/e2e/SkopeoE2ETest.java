package io.stevedore.registry.e2e;

import static io.stevedore.registry.e2e.Processes.check;
import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.RegistryTestSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo (containers/image) against the registry under test, with the two-platform busybox index
 * (linux/amd64 + linux/arm64/v8). Each test pushes the index to a fresh repository first with
 * {@code skopeo copy --all oci:LAYOUT:multi docker://HOST/e2e/multi-RANDOM:1}.
 */
class SkopeoE2ETest extends RegistryTestSupport {

    @TempDir
    Path work;

    private BusyboxImages.Layout layout;
    private BusyboxImages.Blob index;
    private String repository;
    private String pushed;
    private boolean pulledIntoDocker;

    @BeforeEach
    void pushTwoPlatformIndex() {
        Processes.assumeInstalled("skopeo", "skopeo");
        layout = BusyboxImages.multiPlatformLayout(work.resolve("layout"));
        index = layout.refs().get(BusyboxImages.INDEX);
        repository = "e2e/multi-" + RegistryHttp.randomSuffix();
        pushed = registryHost() + "/" + repository + ":1";
        check("skopeo", "copy", "--all", "--dest-tls-verify=false",
                layout.reference(BusyboxImages.INDEX), "docker://" + pushed);
    }

    @AfterEach
    void removePulledImage() {
        if (pulledIntoDocker) {
            Processes.run("docker", "rmi", "-f", pushed);
        }
    }

    @Test
    void inspectRawReturnsTheExactPushedIndexAndPlatformManifests() {
        assertThat(inspectRaw("docker://" + pushed)).as("index served for tag 1").isEqualTo(index.content());
        for (String platform : new String[] {BusyboxImages.AMD64, BusyboxImages.ARM64}) {
            BusyboxImages.Blob manifest = layout.refs().get(platform);
            assertThat(inspectRaw("docker://" + registryHost() + "/" + repository + "@" + manifest.digest()))
                    .as(platform + " manifest served by digest").isEqualTo(manifest.content());
        }
    }

    @Test
    void copyAllBackIntoALayoutKeepsEveryDigestAndBlob() throws IOException {
        Path out = work.resolve("copied");
        check("skopeo", "copy", "--all", "--src-tls-verify=false", "docker://" + pushed, "oci:" + out + ":1");

        String copiedIndexDigest = BusyboxImages.sha256(inspectRaw("oci:" + out + ":1"));
        assertThat(copiedIndexDigest).isEqualTo(index.digest());
        String pushedIndexDigest = BusyboxImages.sha256(inspectRaw("docker://" + pushed));
        assertThat(pushedIndexDigest).isEqualTo(index.digest());

        try (var blobs = Files.list(layout.dir().resolve("blobs/sha256"))) {
            for (Path original : blobs.toList()) {
                Path copy = out.resolve("blobs/sha256").resolve(original.getFileName());
                assertThat(copy).as("blob sha256:" + original.getFileName() + " in the copied layout").exists();
                assertThat(Files.mismatch(original, copy)).as("bytes of " + copy).isEqualTo(-1L);
            }
        }
    }

    @Test
    void dockerPullOfTheIndexResolvesToAmd64AndRuns() {
        Processes.assumeDockerDaemon();
        pulledIntoDocker = true;
        check("docker", "pull", pushed);

        String architecture = check("docker", "image", "inspect", "-f", "{{.Architecture}}", pushed).out();
        assertThat(architecture.strip()).isEqualTo("amd64");
        String repoDigests = check("docker", "image", "inspect", "-f", "{{json .RepoDigests}}", pushed).out();
        assertThat(repoDigests).as("docker records the index digest it pulled by")
                .contains(registryHost() + "/" + repository + "@" + index.digest());
        String output = check("docker", "run", "--rm", "--network", "none", pushed, "echo", "hello").out();
        assertThat(output.strip()).isEqualTo("hello");
    }

    @Test
    void deleteByDigestRemovesTheIndex() {
        String byDigest = registryHost() + "/" + repository + "@" + index.digest();
        check("skopeo", "delete", "--tls-verify=false", "docker://" + byDigest);

        Processes.Result inspect = Processes.run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + byDigest);
        assertThat(inspect.succeeded()).as("skopeo inspect after delete:\n" + inspect.describe()).isFalse();
        RegistryHttp.Response response = RegistryHttp.manifest(registryUrl(), repository, index.digest());
        assertThat(response.status()).as("GET manifest by digest after delete").isEqualTo(404);
    }

    private static byte[] inspectRaw(String reference) {
        if (reference.startsWith("docker://")) {
            return check("skopeo", "inspect", "--raw", "--tls-verify=false", reference).stdout();
        }
        return check("skopeo", "inspect", "--raw", reference).stdout();
    }
}
