package io.stevedore.registry.images;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import io.stevedore.registry.retention.Pushes;
import io.stevedore.registry.retention.Pushes.Pushed;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A copy brings the image's signatures, SBOMs and attestations along: the referrers of the image,
 * of each of its platforms, and theirs in turn, so that what verified on the original verifies on
 * the copy. {@code "referrers": false} leaves them behind.
 */
class ImageCopyReferrersTest extends AuthRegistryTestSupport {

    @Test
    void aCopyBringsTheReferrersOfTheIndexOfItsPlatformsAndOfTheReferrers() {
        TestUser alice = newUser("alice");
        String source = alice.name() + "/signed";
        String target = alice.name() + "/copied";
        Pushes pushes = new Pushes(alice.basic(), source);
        Pushed platform = pushes.image(null);
        Pushed index = pushes.index("v1", platform);
        Pushed signature = pushes.referrer(index);
        Pushed sbom = pushes.referrer(platform);
        Pushed signatureOfTheSbom = pushes.referrer(sbom);

        JsonNode copied = api(201, "POST", "/api/v1/images/" + target + "/copy", Map.of("from", source + ":v1"),
                alice.basic()).json();

        assertThat(copied.get("digest").asString()).isEqualTo(index.digest());
        assertThat(copied.get("referrers").asInt()).isEqualTo(3);
        assertThat(referrers(alice, target, index.digest())).containsExactly(signature.digest());
        assertThat(referrers(alice, target, platform.digest())).containsExactly(sbom.digest());
        assertThat(referrers(alice, target, sbom.digest())).containsExactly(signatureOfTheSbom.digest());
        Pushes copy = new Pushes(alice.basic(), target);
        for (Pushed referrer : List.of(signature, sbom, signatureOfTheSbom)) {
            assertThat(copy.manifestStatus(referrer.digest())).as("the referrer %s in the copy", referrer.digest())
                    .isEqualTo(200);
            referrer.blobs().forEach(blob -> assertThat(copy.blobStatus(blob)).as("its blob %s", blob).isEqualTo(200));
        }
    }

    @Test
    void referrersFalseCopiesTheImageAlone() {
        TestUser alice = newUser("alice");
        String source = alice.name() + "/signed";
        String target = alice.name() + "/bare";
        Pushes pushes = new Pushes(alice.basic(), source);
        Pushed image = pushes.image("v1");
        Pushed signature = pushes.referrer(image);

        JsonNode copied = api(201, "POST", "/api/v1/images/" + target + "/copy",
                Map.of("from", source + ":v1", "referrers", false), alice.basic()).json();

        assertThat(copied.get("referrers").asInt()).isZero();
        assertThat(referrers(alice, target, image.digest())).isEmpty();
        assertThat(new Pushes(alice.basic(), target).manifestStatus(signature.digest())).isEqualTo(404);
        assertThat(referrers(alice, source, image.digest())).containsExactly(signature.digest());
    }

    /** The digests /v2/<repository>/referrers/<digest> lists. */
    private static List<String> referrers(TestUser user, String repository, String digest) {
        Response answer = send("GET", "/v2/" + repository + "/referrers/" + digest, null,
                "Authorization", user.basic());
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        List<String> digests = new ArrayList<>();
        answer.json().get("manifests").forEach(m -> digests.add(m.get("digest").asString()));
        return digests;
    }
}
