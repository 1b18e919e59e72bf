package io.stevedore.registry.auth.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Every refusal of the organization, team, robot, token and audit routes comes as 400, 401, 403,
 * 404 or 409 in the one shape {@code {"code","message"}}.
 */
class ManagementApiErrorsTest extends AuthRegistryTestSupport {

    private static void refused(Response response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode body = response.json();
        assertThat(body.size()).as("only code and message: %s", body).isEqualTo(2);
        assertThat(body.get("code").asString()).isEqualTo(code);
        assertThat(body.get("message").asString()).isNotBlank();
    }

    private static void badRequest(Response response) {
        refused(response, 400, "BAD_REQUEST");
    }

    @Test
    void malformedNamesRolesRepositoriesAndBodiesAre400() {
        TestUser owner = newUser("owner");
        String org = newOrganization("acme", owner);
        api(201, "POST", "/api/v1/orgs/" + org + "/teams", Map.of("name", "devs"), owner.basic());

        badRequest(api("POST", "/api/v1/orgs", Map.of("name", "Not A Name"), owner.basic()));
        badRequest(api("POST", "/api/v1/orgs/" + org + "/teams", Map.of("name", "a/b"), owner.basic()));
        badRequest(api("PUT", "/api/v1/orgs/" + org + "/teams/devs/permissions",
                Map.of("repository", org + "/app", "role", "owner"), owner.basic()));
        badRequest(api("PUT", "/api/v1/orgs/" + org + "/teams/devs/permissions",
                Map.of("repository", "elsewhere/app", "role", "read"), owner.basic()));
        badRequest(api("POST", "/api/v1/robots", Map.of("name", "no-plus-sign"), owner.basic()));
        badRequest(api("POST", "/api/v1/tokens", Map.of("name", "ci", "expiresAt", "tomorrow"), owner.basic()));
        badRequest(api("POST", "/api/v1/tokens", Map.of("name", "ci", "expiresAt", "2001-01-01T00:00:00Z"),
                owner.basic()));
        badRequest(api("GET", "/api/v1/audit?limit=0", null, owner.basic()));
        badRequest(send("POST", "/api/v1/orgs", "{not json".getBytes(StandardCharsets.UTF_8),
                "Authorization", owner.basic(), "Content-Type", "application/json"));
    }

    @Test
    void missingOrWrongCredentialsAre401WithABasicChallenge() {
        TestUser owner = newUser("owner");
        Response anonymous = send("GET", "/api/v1/orgs", null);
        refused(anonymous, 401, "UNAUTHORIZED");
        assertThat(anonymous.header("WWW-Authenticate")).startsWith("Basic realm=");
        refused(api("POST", "/api/v1/tokens", Map.of("name", "x"), basic(owner.name(), "wrong")), 401, "UNAUTHORIZED");
    }

    @Test
    void actingBeyondOnesRightsIs403() {
        TestUser owner = newUser("owner");
        TestUser member = newUser("member");
        String org = newOrganization("acme", owner);
        api(200, "PUT", "/api/v1/orgs/" + org + "/members/" + member.name(), Map.of("admin", false), owner.basic());
        String robotToken = newRobot(org + "+ci", owner.basic());

        refused(api("GET", "/api/v1/users", null, member.basic()), 403, "FORBIDDEN");
        refused(api("POST", "/api/v1/orgs/" + org + "/teams", Map.of("name", "t"), member.basic()), 403, "FORBIDDEN");
        refused(api("DELETE", "/api/v1/orgs/" + org, null, member.basic()), 403, "FORBIDDEN");
        refused(api("POST", "/api/v1/robots", Map.of("name", org + "+mine"), member.basic()), 403, "FORBIDDEN");
        refused(api("GET", "/api/v1/orgs", null, basic(org + "+ci", robotToken)), 403, "FORBIDDEN");
        refused(api("DELETE", "/api/v1/users/" + member.name(), null, owner.basic()), 403, "FORBIDDEN");
    }

    @Test
    void whatDoesNotExistOrIsNotVisibleIs404() {
        TestUser owner = newUser("owner");
        TestUser stranger = newUser("stranger");
        String org = newOrganization("acme", owner);

        refused(api("GET", "/api/v1/orgs/" + org, null, stranger.basic()), 404, "NOT_FOUND");
        refused(api("GET", "/api/v1/orgs/no-such-org", null, owner.basic()), 404, "NOT_FOUND");
        refused(api("GET", "/api/v1/orgs/" + org + "/teams/none", null, owner.basic()), 404, "NOT_FOUND");
        refused(api("PUT", "/api/v1/orgs/" + org + "/members/nobody-here", Map.of("admin", false), owner.basic()),
                404, "NOT_FOUND");
        refused(api("GET", "/api/v1/robots/" + org + "+none", null, owner.basic()), 404, "NOT_FOUND");
        refused(api("DELETE", "/api/v1/tokens/999999999", null, owner.basic()), 404, "NOT_FOUND");
        refused(api("DELETE", "/api/v1/users/nobody-here", null, adminBasic()), 404, "NOT_FOUND");
        refused(api("GET", "/api/v1/no-such-route", null, owner.basic()), 404, "NOT_FOUND");
    }

    @Test
    void duplicatesTheLastAdminAndNamespacesHoldingImagesAre409() {
        TestUser owner = newUser("owner");
        String org = newOrganization("acme", owner);
        api(201, "POST", "/api/v1/orgs/" + org + "/teams", Map.of("name", "devs"), owner.basic());
        newRobot(org + "+ci", owner.basic());
        newAccessToken(owner, "laptop");

        refused(api("POST", "/api/v1/orgs", Map.of("name", org), owner.basic()), 409, "CONFLICT");
        refused(api("POST", "/api/v1/orgs/" + org + "/teams", Map.of("name", "devs"), owner.basic()), 409, "CONFLICT");
        refused(api("POST", "/api/v1/robots", Map.of("name", org + "+ci"), owner.basic()), 409, "CONFLICT");
        refused(api("POST", "/api/v1/tokens", Map.of("name", "laptop"), owner.basic()), 409, "CONFLICT");
        refused(api("DELETE", "/api/v1/orgs/" + org + "/members/" + owner.name(), null, owner.basic()),
                409, "CONFLICT");
        refused(api("PUT", "/api/v1/orgs/" + org + "/members/" + owner.name(), Map.of("admin", false),
                owner.basic()), 409, "CONFLICT");

        String manifest = pushImage(owner.basic(), org + "/app", "v1");
        refused(api("DELETE", "/api/v1/orgs/" + org, null, owner.basic()), 409, "CONFLICT");
        assertThat(send("DELETE", "/v2/" + org + "/app/manifests/" + manifest, null,
                "Authorization", owner.basic()).status()).isEqualTo(202);
        api(204, "DELETE", "/api/v1/orgs/" + org, null, owner.basic());
        refused(api("GET", "/api/v1/orgs/" + org, null, owner.basic()), 404, "NOT_FOUND");
    }
}
