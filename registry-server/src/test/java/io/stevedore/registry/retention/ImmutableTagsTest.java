package io.stevedore.registry.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import io.stevedore.registry.retention.Pushes.Pushed;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Immutable tags on a real server: pushes and deletes through /v2, patterns set through the API. */
class ImmutableTagsTest extends AuthRegistryTestSupport {

    /** A new user's repository {@code <user>/app} whose tags matching {@code v*} are immutable. */
    private record ImmutableRepository(TestUser owner, String name, Pushes push) {
    }

    private static ImmutableRepository repositoryWithImmutableVersionTags() {
        TestUser alice = newUser("alice");
        String repository = alice.name() + "/app";
        api(200, "PUT", "/api/v1/immutable-tags/repositories/" + repository, Map.of("patterns", List.of("v*")),
                alice.basic());
        return new ImmutableRepository(alice, repository, new Pushes(alice.basic(), repository));
    }

    @Test
    void aDifferentManifestPushedToAnImmutableTagIsRefusedAndTheSameOneIsAccepted() {
        ImmutableRepository setup = repositoryWithImmutableVersionTags();
        TestUser alice = setup.owner();
        String repository = setup.name();
        Pushes push = setup.push();
        Pushed first = push.image("v1.0");
        Pushed other = push.image(null);

        Response refused = push.putManifest("v1.0", Pushes.IMAGE, other.manifest());
        assertThat(refused.status()).isEqualTo(403);
        JsonNode error = refused.json().get("errors").get(0);
        assertThat(error.get("code").asString()).isEqualTo("DENIED");
        assertThat(error.get("message").asString()).startsWith("tag v1.0 is immutable (rule v*) in repository "
                + repository);

        assertThat(push.putManifest("v1.0", Pushes.IMAGE, first.manifest()).status())
                .as("the same manifest again is fine").isEqualTo(201);
        assertThat(send("GET", "/v2/" + repository + "/manifests/v1.0", null, "Authorization", alice.basic(),
                "Accept", Pushes.IMAGE).header("Docker-Content-Digest")).isEqualTo(first.digest());

        Response deleteTag = send("DELETE", "/v2/" + repository + "/manifests/v1.0", null,
                "Authorization", alice.basic());
        assertThat(deleteTag.status()).isEqualTo(403);
        assertThat(deleteTag.json().get("errors").get(0).get("message").asString())
                .isEqualTo("tag v1.0 is immutable (rule v*) in repository " + repository + ": it cannot be deleted");
        Response deleteManifest = send("DELETE", "/v2/" + repository + "/manifests/" + first.digest(), null,
                "Authorization", alice.basic());
        assertThat(deleteManifest.status()).isEqualTo(403);
        assertThat(deleteManifest.json().get("errors").get(0).get("message").asString())
                .contains("is tagged v1.0").contains("the manifest cannot be deleted");
        assertThat(push.manifestStatus("v1.0")).isEqualTo(200);

        push.image("latest");
        push.manifest("latest", Pushes.IMAGE, other.manifest());
        assertThat(send("DELETE", "/v2/" + repository + "/manifests/latest", null, "Authorization", alice.basic())
                .status()).as("tags matching no pattern move and go as ever").isEqualTo(202);
        assertThat(send("DELETE", "/v2/" + repository + "/manifests/" + other.digest(), null,
                "Authorization", alice.basic()).status()).isEqualTo(202);

        api(204, "DELETE", "/api/v1/immutable-tags/repositories/" + repository, null, alice.basic());
        assertThat(push.putManifest("v1.0", Pushes.IMAGE, push.image(null).manifest()).status())
                .as("without the rule the tag moves again").isEqualTo(201);
        assertThat(auditEntries("repository=" + repository + "&action=immutable-tags.changed")).hasSize(1);
    }

    @Test
    void theImagesApiIsHeldToImmutableTagsAsPushesAre() {
        ImmutableRepository setup = repositoryWithImmutableVersionTags();
        TestUser alice = setup.owner();
        String repository = setup.name();
        Pushes push = setup.push();
        Pushed first = push.image("v1.0");
        Pushed other = push.image("other");
        new Pushes(alice.basic(), alice.name() + "/elsewhere").image("v1.0");

        assertThat(api(403, "PUT", "/api/v1/images/" + repository + "/tags/v1.0", Map.of("source", other.digest()),
                alice.basic()).json().get("message").asString()).startsWith("tag v1.0 is immutable (rule v*)");
        api(403, "POST", "/api/v1/images/" + repository + "/copy", Map.of("from", alice.name() + "/elsewhere:v1.0"),
                alice.basic());
        assertThat(api(403, "DELETE", "/api/v1/images/" + repository + "/tags/v1.0", null, alice.basic()).json()
                .get("message").asString()).endsWith("it cannot be deleted");
        api(403, "DELETE", "/api/v1/images/" + repository + "/manifests/" + first.digest(), null, alice.basic());
        assertThat(send("GET", "/v2/" + repository + "/manifests/v1.0", null, "Authorization", alice.basic(),
                "Accept", Pushes.IMAGE).header("Docker-Content-Digest")).as("untouched").isEqualTo(first.digest());

        api(200, "PUT", "/api/v1/images/" + repository + "/tags/v1.0", Map.of("source", "v1.0"), alice.basic());
        api(200, "PUT", "/api/v1/images/" + repository + "/tags/v2.0", Map.of("source", other.digest()), alice.basic());
        api(403, "PUT", "/api/v1/images/" + repository + "/tags/v2.0", Map.of("source", first.digest()), alice.basic());
        api(200, "PUT", "/api/v1/images/" + repository + "/tags/latest", Map.of("source", first.digest()),
                alice.basic());
        api(204, "DELETE", "/api/v1/images/" + repository + "/tags/latest", null, alice.basic());
    }

    @Test
    void aRepositoryHoldingAnImmutableTagIsNotDeletedUntilTheRuleGoes() {
        ImmutableRepository setup = repositoryWithImmutableVersionTags();
        setup.push().image("v1.0");
        Response refused = api("DELETE", "/api/v1/repositories/" + setup.name(), null, setup.owner().basic());
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.json().get("message").asString()).isEqualTo("repository " + setup.name()
                + " holds tag v1.0, and tag v1.0 is immutable (rule v*) in repository " + setup.name()
                + ": the repository cannot be deleted while it holds immutable tags; remove the rule first");
        api(403, "DELETE", "/api/v1/repositories/" + setup.name(), null, adminBasic()); // a site admin too
        assertThat(setup.push().manifestStatus("v1.0")).isEqualTo(200);

        api(204, "DELETE", "/api/v1/immutable-tags/repositories/" + setup.name(), null, setup.owner().basic());
        api(204, "DELETE", "/api/v1/repositories/" + setup.name(), null, setup.owner().basic());
        assertThat(setup.push().manifestStatus("v1.0")).isEqualTo(404);
    }

    @Test
    void aNamespacesPatternsApplyToItsRepositoriesBesideTheirOwn() {
        TestUser owner = newUser("owner");
        String org = newOrganization("acme", owner);
        Pushes push = new Pushes(owner.basic(), org + "/app");
        api(200, "PUT", "/api/v1/immutable-tags/namespaces/" + org, Map.of("patterns", List.of("release-*")),
                owner.basic());
        api(200, "PUT", "/api/v1/immutable-tags/repositories/" + org + "/app", Map.of("patterns", List.of("stable")),
                owner.basic());
        JsonNode rules = api(200, "GET", "/api/v1/immutable-tags/repositories/" + org + "/app", null, owner.basic())
                .json();
        assertThat(rules.get("patterns").get(0).asString()).isEqualTo("stable");
        assertThat(rules.get("namespacePatterns").get(0).asString()).isEqualTo("release-*");

        push.image("release-1");
        push.image("stable");
        Response release = push.putManifest("release-1", Pushes.IMAGE, push.image(null).manifest());
        assertThat(release.status()).isEqualTo(403);
        assertThat(release.json().get("errors").get(0).get("message").asString())
                .startsWith("tag release-1 is immutable (rule release-*) in repository " + org + "/app");
        assertThat(push.putManifest("stable", Pushes.IMAGE, push.image(null).manifest()).status()).isEqualTo(403);
    }

    @Test
    void concurrentPushesOfDifferentManifestsToANewImmutableTagLeaveExactlyOneWinner() throws Exception {
        TestUser bob = newUser("bob");
        String repository = bob.name() + "/app";
        Pushes push = new Pushes(bob.basic(), repository);
        api(200, "PUT", "/api/v1/immutable-tags/repositories/" + repository, Map.of("patterns", List.of("v*")),
                bob.basic());
        List<Pushed> candidates = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            candidates.add(push.image(null));
        }
        List<Future<Response>> racing = new ArrayList<>();
        try (ExecutorService pushers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Pushed candidate : candidates) {
                racing.add(pushers.submit(() -> push.putManifest("v1", Pushes.IMAGE, candidate.manifest())));
            }
        }
        String winner = null;
        int accepted = 0;
        for (int i = 0; i < racing.size(); i++) {
            Response answer = racing.get(i).get();
            assertThat(answer.status()).as(answer.body()).isIn(201, 403);
            if (answer.status() == 201) {
                accepted++;
                winner = candidates.get(i).digest();
            }
        }
        assertThat(accepted).isEqualTo(1);
        assertThat(send("GET", "/v2/" + repository + "/manifests/v1", null, "Authorization", bob.basic(),
                "Accept", Pushes.IMAGE).header("Docker-Content-Digest")).isEqualTo(winner);
    }
}
