package io.stevedore.registry.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real client (skopeo) against a namespace quota, on filesystem storage and, in the s3-storage
 * execution, on S3: the push over quota fails with the registry's message in skopeo's error,
 * nothing of it can be pulled, and the same push succeeds once the quota allows it. Skipped when
 * skopeo or busybox-static is missing.
 */
class QuotaE2ETest extends AuthRegistryTestSupport {

    @TempDir
    Path work;

    @BeforeEach
    void requireSkopeo() {
        Processes.assumeInstalled("skopeo", "skopeo");
    }

    @Test
    void skopeoShowsTheQuotaRefusalAndTheSamePushSucceedsOnceTheQuotaAllowsIt() {
        TestUser alice = newUser("quota-e2e");
        BusyboxImages.Layout layout = BusyboxImages.amd64Layout(work.resolve("layout"));
        String image = "docker://" + authRegistryHost() + "/" + alice.name() + "/busybox:1";
        String creds = alice.name() + ":" + alice.password();
        String quota = "/api/v1/namespaces/" + alice.name() + "/quota";
        api(200, "PUT", quota, Map.of("limitBytes", 1024), adminBasic());

        Processes.Result refused = Processes.run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", creds,
                layout.reference(BusyboxImages.AMD64), image);

        assertThat(refused.succeeded()).as(refused.describe()).isFalse();
        assertThat(refused.stderr()).as(refused.describe())
                .contains("quota of namespace " + alice.name() + " exceeded: 0 B used of 1.0 KiB, this manifest adds");
        Processes.Result absent = Processes.run("skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", creds,
                image);
        assertThat(absent.succeeded()).as("nothing of the refused push is visible: " + absent.describe()).isFalse();
        assertThat(api(200, "GET", "/api/v1/namespaces/" + alice.name() + "/usage", null, alice.basic()).json()
                .get("usageBytes").asLong()).isZero();

        api(200, "PUT", quota, Map.of("limitBytes", 100L << 20), adminBasic());
        Processes.check("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", creds,
                layout.reference(BusyboxImages.AMD64), image);

        byte[] manifest = Processes.check("skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", creds, image)
                .stdout();
        assertThat(BusyboxImages.sha256(manifest)).isEqualTo(layout.refs().get(BusyboxImages.AMD64).digest());
        assertThat(api(200, "GET", "/api/v1/repositories/" + alice.name() + "/busybox", null, alice.basic()).json()
                .get("usageBytes").asLong()).isGreaterThan(manifest.length);
    }
}
