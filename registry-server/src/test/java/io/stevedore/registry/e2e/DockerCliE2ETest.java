package io.stevedore.registry.e2e;

import static io.stevedore.registry.e2e.Processes.check;
import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.RegistryTestSupport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real docker CLI and engine against the registry under test: push, pull, run, push again.
 * Skipped when no Docker daemon answers. The registry is on 127.0.0.0/8, which dockerd talks to
 * over plain HTTP without configuration.
 */
class DockerCliE2ETest extends RegistryTestSupport {

    private static final Pattern LAYER_STATUS = Pattern.compile("([0-9a-f]{12}): (.+)");
    private static final Pattern PUSHED_DIGEST = Pattern.compile("digest: (sha256:[0-9a-f]{64})");

    @TempDir
    Path work;

    private final List<String> localTags = new ArrayList<>();

    @BeforeEach
    void requireDocker() {
        Processes.assumeDockerDaemon();
    }

    @AfterEach
    void removeLocalImages() {
        for (String tag : localTags) {
            Processes.run("docker", "rmi", "-f", tag);
        }
    }

    @Test
    void pushedImageCanBeRemovedLocallyPulledBackAndRun() {
        String suffix = RegistryHttp.randomSuffix();
        String repository = "e2e/docker-" + suffix;
        Names names = loadBusyboxAndTag(suffix, repository);
        String remote = names.remote();

        String digest = pushedDigest(check("docker", "push", remote));
        RegistryHttp.Response manifest = RegistryHttp.manifest(registryUrl(), repository, "v1");
        assertThat(manifest.status()).as("GET manifest by tag after docker push").isEqualTo(200);
        assertThat(BusyboxImages.sha256(manifest.body())).as("digest of the served manifest").isEqualTo(digest);

        check("docker", "rmi", names.local(), remote);
        assertThat(Processes.run("docker", "image", "inspect", remote).succeeded())
                .as("image still present locally after docker rmi").isFalse();

        check("docker", "pull", remote);
        String repoDigests = check("docker", "image", "inspect", "-f", "{{json .RepoDigests}}", remote).out();
        assertThat(repoDigests).contains(registryHost() + "/" + repository + "@" + digest);

        String output = check("docker", "run", "--rm", "--network", "none", remote, "echo", "hello").out();
        assertThat(output.strip()).isEqualTo("hello");
    }

    @Test
    void pushingTheSameImageAgainFindsEveryLayerAlreadyInTheRegistry() {
        String suffix = RegistryHttp.randomSuffix();
        String remote = loadBusyboxAndTag(suffix, "e2e/docker-" + suffix).remote();
        String firstDigest = pushedDigest(check("docker", "push", remote));

        Processes.Result again = check("docker", "push", remote);

        Map<String, String> lastStatusByLayer = new TreeMap<>();
        again.out().lines().map(LAYER_STATUS::matcher).filter(Matcher::matches)
                .forEach(line -> lastStatusByLayer.put(line.group(1), line.group(2)));
        assertThat(lastStatusByLayer).as("final status of each layer in the second push:\n" + again.out())
                .isNotEmpty().allSatisfy((layer, status) -> assertThat(status).isEqualTo("Layer already exists"));
        assertThat(pushedDigest(again)).isEqualTo(firstDigest);
    }

    private record Names(String local, String remote) {
    }

    /** docker load of the amd64 busybox image under a local name, then docker tag into the registry. */
    private Names loadBusyboxAndTag(String suffix, String repository) {
        String local = "stevedore-e2e/busybox-" + suffix + ":v1";
        String remote = registryHost() + "/" + repository + ":v1";
        localTags.add(local);
        localTags.add(remote);
        Path archive = work.resolve("busybox.tar");
        BusyboxImages.writeDockerArchive(BusyboxImages.amd64Image(), local, archive);
        check("docker", "load", "-i", archive.toString());
        check("docker", "tag", local, remote);
        return new Names(local, remote);
    }

    private static String pushedDigest(Processes.Result push) {
        Matcher matcher = PUSHED_DIGEST.matcher(push.out());
        assertThat(matcher.find()).as("docker push names the manifest digest:\n" + push.out()).isTrue();
        return matcher.group(1);
    }
}
