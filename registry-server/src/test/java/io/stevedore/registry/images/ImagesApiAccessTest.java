package io.stevedore.registry.images;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The images API under authentication: reading takes pull, changing takes push, deleting takes
 * delete, copying takes pull on the source and push on the target; repositories a caller may
 * not read are invisible (listed nowhere, 404 when named).
 */
class ImagesApiAccessTest extends AuthRegistryTestSupport {

    @Test
    void strangersSeeNothingOfAPrivateRepository() {
        TestUser alice = newUser("alice");
        TestUser bob = newUser("bob");
        String repository = alice.name() + "/app";
        pushImage(alice.basic(), repository, "v1");

        assertThat(names(api(200, "GET", "/api/v1/images?q=" + alice.name(), null, bob.basic()).json())).isEmpty();
        api(404, "GET", "/api/v1/images/" + repository + "/tags", null, bob.basic());
        api(404, "GET", "/api/v1/images/" + repository + "/manifests/v1/config", null, bob.basic());
        api(404, "GET", "/api/v1/images/" + repository + "/manifests/v1/history", null, bob.basic());
        api(404, "GET", "/api/v1/images/" + repository + "/manifests/v1/export", null, bob.basic());
        api(404, "POST", "/api/v1/images/" + bob.name() + "/stolen/copy", Map.of("from", repository + ":v1"),
                bob.basic());
        assertThat(get("/api/v1/images").status()).isEqualTo(401);

        assertThat(names(api(200, "GET", "/api/v1/images?q=" + alice.name(), null, alice.basic()).json()))
                .containsExactly(repository);
    }

    @Test
    void aReaderMayCopyOutButNotTagDeleteOrImportInto() {
        TestUser alice = newUser("alice");
        TestUser bob = newUser("bob");
        String repository = alice.name() + "/shared";
        String digest = pushImage(alice.basic(), repository, "v1");
        setVisibility(alice, repository, "public");

        JsonNode tags = api(200, "GET", "/api/v1/images/" + repository + "/tags", null, bob.basic()).json();
        assertThat(tags.get(0).get("tag").asString()).isEqualTo("v1");
        assertThat(tags.get(0).get("digest").asString()).isEqualTo(digest);
        assertThat(tags.get(0).get("pushedBy").asString()).isEqualTo(alice.name());
        assertThat(tags.get(0).get("platforms").get(0).get("architecture").asString()).isEqualTo("amd64");

        api(403, "PUT", "/api/v1/images/" + repository + "/tags/mine", Map.of("source", "v1"), bob.basic());
        api(403, "DELETE", "/api/v1/images/" + repository + "/tags/v1", null, bob.basic());
        api(403, "DELETE", "/api/v1/images/" + repository + "/manifests/" + digest, null, bob.basic());
        Response importInto = send("POST", "/api/v1/images/" + repository + "/import", new byte[1024],
                "Authorization", bob.basic(), "Content-Type", "application/x-tar");
        assertThat(importInto.status()).isEqualTo(403);
        api(403, "POST", "/api/v1/images/" + alice.name() + "/elsewhere/copy", Map.of("from", repository + ":v1"),
                bob.basic());

        JsonNode copied = api(201, "POST", "/api/v1/images/" + bob.name() + "/copy/copy",
                Map.of("from", repository + ":v1", "tag", "mine"), bob.basic()).json();
        assertThat(copied.get("digest").asString()).isEqualTo(digest);
        JsonNode bobs = api(200, "GET", "/api/v1/images/" + bob.name() + "/copy/tags", null, bob.basic()).json();
        assertThat(bobs.get(0).get("tag").asString()).isEqualTo("mine");
        assertThat(bobs.get(0).get("pushedBy").asString()).isEqualTo(bob.name());
        JsonNode audit = auditEntries("action=image.copied&repository=" + bob.name() + "/copy");
        assertThat(audit.toString()).contains(repository + ":v1");
    }

    @Test
    void theOwnerTagsAndDeletesAndTheListPagesWithALinkHeader() {
        TestUser alice = newUser("alice");
        String repository = alice.name() + "/app";
        String digest = pushImage(alice.basic(), repository, "v1");
        pushImage(alice.basic(), alice.name() + "/app-two", "v1");
        pushImage(alice.basic(), alice.name() + "/other", "v1");

        api(200, "PUT", "/api/v1/images/" + repository + "/tags/latest", Map.of("source", digest), alice.basic());
        api(200, "PUT", "/api/v1/images/" + repository + "/tags/stable", Map.of("source", "latest"), alice.basic());
        api(400, "PUT", "/api/v1/images/" + repository + "/tags/bad:tag", Map.of("source", "v1"), alice.basic());
        api(404, "PUT", "/api/v1/images/" + repository + "/tags/x", Map.of("source", "nope"), alice.basic());
        JsonNode firstPage = api(200, "GET", "/api/v1/images/" + repository + "/tags?n=2", null, alice.basic()).json();
        assertThat(firstPage).hasSize(2);

        Response page = api(200, "GET", "/api/v1/images?q=" + alice.name() + "/app&n=1", null, alice.basic());
        assertThat(names(page.json())).containsExactly(repository);
        String next = page.header("Link");
        assertThat(next).contains("rel=\"next\"");
        String nextPath = next.substring(next.indexOf('<') + 1, next.indexOf('>'));
        Response second = api(200, "GET", nextPath, null, alice.basic());
        assertThat(names(second.json())).containsExactly(alice.name() + "/app-two");
        assertThat(second.header("Link")).isNull();

        api(204, "DELETE", "/api/v1/images/" + repository + "/tags/stable", null, alice.basic());
        api(404, "DELETE", "/api/v1/images/" + repository + "/tags/stable", null, alice.basic());
        api(204, "DELETE", "/api/v1/images/" + repository + "/manifests/" + digest, null, alice.basic());
        assertThat(api(200, "GET", "/api/v1/images/" + repository + "/tags", null, alice.basic()).json()).isEmpty();
    }

    private static List<String> names(JsonNode repositories) {
        List<String> names = new ArrayList<>();
        repositories.forEach(r -> names.add(r.get("name").asString()));
        return names;
    }
}
