package io.stevedore.registry.e2e;

import static io.stevedore.registry.e2e.Processes.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.registry.RegistryTestSupport;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo against an immutable tag: a second copy of the same image to it succeeds, a copy of a
 * different manifest (the same image converted to Docker's format) fails, and skopeo prints the
 * registry's message saying which rule made the tag immutable.
 */
class ImmutableTagsSkopeoE2ETest extends RegistryTestSupport {

    @TempDir
    Path work;

    @Test
    void skopeoShowsWhyAnImmutableTagRefusedADifferentManifest() throws Exception {
        Processes.assumeInstalled("skopeo", "skopeo");
        assumeTrue(context() != null && registryAccount() == null, "needs our own server with authentication off");
        BusyboxImages.Layout layout = BusyboxImages.amd64Layout(work.resolve("layout"));
        String repository = "e2e/immutable-" + RegistryHttp.randomSuffix();
        HttpResponse<String> rule = http().send(HttpRequest.newBuilder(
                                registryUrl().resolve("/api/v1/immutable-tags/repositories/" + repository))
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"patterns\":[\"v*\"]}"))
                        .header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(rule.statusCode()).as(rule.body()).isEqualTo(200);
        String destination = "docker://" + registryHost() + "/" + repository + ":v1";

        check("skopeo", "copy", "--dest-tls-verify=false", layout.reference(BusyboxImages.AMD64), destination);
        check("skopeo", "copy", "--dest-tls-verify=false", layout.reference(BusyboxImages.AMD64), destination);

        Processes.Result refused = Processes.run("skopeo", "copy", "--dest-tls-verify=false", "--format", "v2s2",
                layout.reference(BusyboxImages.AMD64), destination);
        assertThat(refused.succeeded()).as(refused.describe()).isFalse();
        assertThat(refused.stderr()).as(refused.describe())
                .contains("tag v1 is immutable (rule v*) in repository " + repository);
        assertThat(BusyboxImages.sha256(RegistryHttp.manifest(registryUrl(), repository, "v1").body()))
                .as("the tag still names the first manifest")
                .isEqualTo(layout.refs().get(BusyboxImages.AMD64).digest());
    }
}
