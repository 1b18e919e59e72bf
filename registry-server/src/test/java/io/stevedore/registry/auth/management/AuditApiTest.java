package io.stevedore.registry.auth.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import io.stevedore.registry.auth.audit.AuditLog;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /api/v1/audit}: logins, token grants, pushes, deletes and permission changes with
 * actor, client address, time and target; filters, pages; organization admins see their own
 * organization's entries only; Basic on every request is not audited when it succeeds.
 */
class AuditApiTest extends AuthRegistryTestSupport {

    private static List<String> actions(JsonNode entries) {
        List<String> actions = new ArrayList<>();
        entries.forEach(entry -> actions.add(entry.get("action").asString()));
        return actions;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Test
    void loginTokenGrantPushDeleteAndPermissionChangeAreRecordedWithActorAddressTimeAndTarget() {
        TestUser owner = newUser("owner");
        String org = newOrganization("acme", owner);
        String app = org + "/app";
        Instant before = Instant.now().minusSeconds(5);

        assertThat(get("/auth/token?service=stevedore&scope=repository:" + app + ":pull,push",
                "Authorization", owner.basic()).status()).isEqualTo(200);
        String digest = pushImage(owner.basic(), app, "v1");
        assertThat(send("DELETE", "/v2/" + app + "/manifests/" + digest, null, "Authorization", owner.basic())
                .status()).isEqualTo(202);
        api(201, "POST", "/api/v1/orgs/" + org + "/teams", Map.of("name", "devs"), owner.basic());
        api(200, "PUT", "/api/v1/orgs/" + org + "/teams/devs/permissions", Map.of("repository", app, "role", "write"),
                owner.basic());

        JsonNode entries = auditEntries("actor=" + owner.name());

        assertThat(actions(entries)).contains(AuditLog.LOGIN_SUCCESS, AuditLog.TOKEN_GRANT, AuditLog.MANIFEST_PUSHED,
                AuditLog.MANIFEST_DELETED, AuditLog.ORGANIZATION_CREATED, AuditLog.TEAM_CREATED,
                AuditLog.TEAM_PERMISSION_CHANGED);
        entries.forEach(entry -> {
            assertThat(entry.get("actor").asString()).isEqualTo(owner.name());
            assertThat(entry.get("clientAddress").asString()).isEqualTo("127.0.0.1");
            assertThat(Instant.parse(entry.get("at").asString())).isAfter(before);
        });
        JsonNode push = auditEntries("action=" + AuditLog.MANIFEST_PUSHED + "&repository=" + encode(app)).get(0);
        assertThat(push.get("namespace").asString()).isEqualTo(org);
        assertThat(push.get("detail").get("digest").asString()).isEqualTo(digest);
        assertThat(push.get("detail").get("reference").asString()).isEqualTo("v1");
        JsonNode grant = auditEntries("action=" + AuditLog.TEAM_PERMISSION_CHANGED + "&actor=" + owner.name()).get(0);
        assertThat(grant.get("repository").asString()).isEqualTo(app);
        assertThat(grant.get("detail").get("role").asString()).isEqualTo("write");
    }

    @Test
    void entriesComeNewestFirstOnePageAtATimeAndSinceLeavesOutOlderOnes() {
        TestUser owner = newUser("owner");
        String app = owner.name() + "/app";
        pushImage(owner.basic(), app, "v1");
        pushImage(owner.basic(), app, "v2");
        pushImage(owner.basic(), app, "v3");

        Response first = api(200, "GET", "/api/v1/audit?repository=" + encode(app) + "&limit=2", null, adminBasic());
        JsonNode page = first.json();
        assertThat(page.get("entries")).hasSize(2);
        assertThat(page.get("entries").get(0).get("detail").get("reference").asString()).isEqualTo("v3");
        String next = page.get("next").asString();
        JsonNode second = api(200, "GET", next, null, adminBasic()).json();
        assertThat(second.get("entries")).hasSize(1);
        assertThat(second.get("entries").get(0).get("detail").get("reference").asString()).isEqualTo("v1");

        Instant later = Instant.now().plusSeconds(3600);
        assertThat(auditEntries("repository=" + encode(app) + "&since=" + later)).isEmpty();
    }

    @Test
    void anOrganizationAdminReadsTheirOrganizationsEntriesAndNoOneElses() {
        TestUser owner = newUser("owner");
        TestUser other = newUser("other");
        String org = newOrganization("acme", owner);
        String otherOrg = newOrganization("elsewhere", other);
        pushImage(owner.basic(), org + "/app", "v1");
        pushImage(other.basic(), otherOrg + "/app", "v1");

        JsonNode seen = api(200, "GET", "/api/v1/audit?action=" + AuditLog.MANIFEST_PUSHED + "&limit=1000", null,
                owner.basic()).json().get("entries");

        List<String> namespaces = new ArrayList<>();
        seen.forEach(entry -> namespaces.add(entry.get("namespace").asString()));
        assertThat(namespaces).contains(org).doesNotContain(otherOrg).allMatch(n -> n.equals(org)
                || n.equals(owner.name()));
    }

    @Test
    void basicOnEveryRequestIsNotAuditedWhenItSucceedsButFailuresAreAndThenTheRateLimit() {
        TestUser user = newUser("user");
        for (int i = 0; i < 3; i++) {
            assertThat(get("/v2/", "Authorization", user.basic()).status()).isEqualTo(200);
        }
        assertThat(auditEntries("actor=" + user.name() + "&action=" + AuditLog.LOGIN_SUCCESS)).isEmpty();

        for (int i = 0; i < FAILURES_PER_USER; i++) {
            assertThat(get("/v2/", "Authorization", basic(user.name(), "wrong-" + i)).status()).isEqualTo(401);
        }
        assertThat(auditEntries("actor=" + user.name() + "&action=" + AuditLog.LOGIN_FAILURE))
                .hasSize(FAILURES_PER_USER);
        Response throttled = get("/v2/", "Authorization", basic(user.name(), "wrong-again"));
        assertThat(throttled.status()).isEqualTo(429);
        assertThat(throttled.header("Retry-After")).isNotBlank();
    }
}
