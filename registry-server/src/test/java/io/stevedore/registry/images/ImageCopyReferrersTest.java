package io.stevedore.registry.images;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.json.Json;
import io.stevedore.registry.AuthRegistryTestSupport;
import io.stevedore.registry.retention.Pushes;
import io.stevedore.registry.retention.Pushes.Pushed;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A copy brings the image's signatures, SBOMs and attestations along: the referrers of the image,
 * of each of its platforms, and theirs in turn, so that what verified on the original verifies on
 * the copy; a referrer that is an index comes with its children. {@code "referrers": false}
 * leaves them behind.
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
        // a referrer that is itself an index (attestations per platform), whose child is signed too
        Pushed attestation = pushes.image(null);
        String attestations = attestationIndex(pushes, index, attestation);
        Pushed signatureOfTheAttestation = pushes.referrer(attestation);

        JsonNode copied = api(201, "POST", "/api/v1/images/" + target + "/copy", Map.of("from", source + ":v1"),
                alice.basic()).json();

        assertThat(copied.get("digest").asString()).isEqualTo(index.digest());
        assertThat(copied.get("referrers").asInt()).as("referrers; the attestation is a child").isEqualTo(5);
        assertThat(referrers(alice, target, index.digest()))
                .containsExactlyInAnyOrder(signature.digest(), attestations);
        assertThat(referrers(alice, target, platform.digest())).containsExactly(sbom.digest());
        assertThat(referrers(alice, target, sbom.digest())).containsExactly(signatureOfTheSbom.digest());
        assertThat(referrers(alice, target, attestation.digest())).containsExactly(signatureOfTheAttestation.digest());
        Pushes copy = new Pushes(alice.basic(), target);
        assertThat(copy.manifestStatus(attestations)).isEqualTo(200);
        for (Pushed referrer : List.of(signature, sbom, signatureOfTheSbom, attestation, signatureOfTheAttestation)) {
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

    /** An index of {@code child} whose subject is {@code subject}; its digest. */
    private static String attestationIndex(Pushes pushes, Pushed subject, Pushed child) {
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", Pushes.INDEX);
        index.put("artifactType", "application/vnd.example.attestations");
        index.put("manifests", List.of(Map.of("mediaType", Pushes.IMAGE, "digest", child.digest(),
                "size", child.manifest().length)));
        index.put("subject", Map.of("mediaType", Pushes.INDEX, "digest", subject.digest(),
                "size", subject.manifest().length));
        return pushes.manifest(null, Pushes.INDEX, Json.MAPPER.writeValueAsBytes(index));
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
