package io.stevedore.registry.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo (containers/image) with credentials against the registry with authentication on:
 * {@code --dest-creds} to push, {@code --src-creds} to copy back, refusals without them or as
 * another user. Skipped when skopeo or busybox-static is missing.
 */
class SkopeoCredentialsE2ETest extends AuthRegistryTestSupport {

    @TempDir
    Path work;

    @BeforeEach
    void requireSkopeo() {
        Processes.assumeInstalled("skopeo", "skopeo");
    }

    @Test
    void copyWithDestCredsPushesAndSrcCredsCopiesBackWhatOthersCannotRead() {
        TestUser alice = newUser("alice");
        TestUser bob = newUser("bob");
        BusyboxImages.Layout layout = BusyboxImages.amd64Layout(work.resolve("layout"));
        BusyboxImages.Blob manifest = layout.refs().get(BusyboxImages.AMD64);
        String image = "docker://" + authRegistryHost() + "/" + alice.name() + "/skopeo:1";
        String aliceCreds = alice.name() + ":" + alice.password();

        Processes.Result anonymous = Processes.run("skopeo", "copy", "--dest-tls-verify=false",
                layout.reference(BusyboxImages.AMD64), image);
        assertThat(anonymous.succeeded()).as("push without credentials: " + anonymous.describe()).isFalse();

        Processes.check("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", aliceCreds,
                layout.reference(BusyboxImages.AMD64), image);

        Path copied = work.resolve("copied");
        Processes.check("skopeo", "copy", "--src-tls-verify=false", "--src-creds", aliceCreds,
                image, "oci:" + copied + ":1");
        byte[] copiedManifest = Processes.check("skopeo", "inspect", "--raw", "oci:" + copied + ":1").stdout();
        assertThat(BusyboxImages.sha256(copiedManifest)).isEqualTo(manifest.digest());

        Processes.Result asBob = Processes.run("skopeo", "inspect", "--raw", "--tls-verify=false",
                "--creds", bob.name() + ":" + bob.password(), image);
        assertThat(asBob.succeeded()).as("bob reads alice's private image: " + asBob.describe()).isFalse();
        Processes.Result unauthenticated = Processes.run("skopeo", "inspect", "--raw", "--tls-verify=false",
                "--no-creds", image);
        assertThat(unauthenticated.succeeded()).as("anonymous read: " + unauthenticated.describe()).isFalse();
    }
}
