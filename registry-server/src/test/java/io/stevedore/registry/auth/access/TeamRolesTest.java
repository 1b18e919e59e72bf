package io.stevedore.registry.auth.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Teams of an organization and what their roles allow on /v2 and the API: read pulls, write also
 * pushes, admin also deletes and changes visibility; grants on one repository or the whole
 * organization; organization admins may do everything under it; non-members see nothing.
 */
class TeamRolesTest extends AuthRegistryTestSupport {

    private static Map<String, Object> grant(String repository, String role) {
        Map<String, Object> body = new HashMap<>();
        body.put("repository", repository);
        body.put("role", role);
        return body;
    }

    private static int pull(TestUser user, String repository) {
        return get("/v2/" + repository + "/manifests/v1", "Authorization", user.basic(),
                "Accept", "application/vnd.oci.image.manifest.v1+json").status();
    }

    private static int push(TestUser user, String repository) {
        byte[] config = ("{\"n\":\"" + java.util.UUID.randomUUID() + "\"}").getBytes();
        return send("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + sha256(config), config,
                "Authorization", user.basic(), "Content-Type", "application/octet-stream").status();
    }

    private static int deleteTag(TestUser user, String repository, String tag) {
        return send("DELETE", "/v2/" + repository + "/manifests/" + tag, null, "Authorization", user.basic()).status();
    }

    private static int changeVisibility(TestUser user, String repository) {
        return api("PATCH", "/api/v1/repositories/" + repository, Map.of("visibility", "public"), user.basic())
                .status();
    }

    @Test
    void readPullsWriteAlsoPushesAdminAlsoDeletesAndChangesVisibility() {
        TestUser owner = newUser("owner");
        TestUser reader = newUser("reader");
        TestUser writer = newUser("writer");
        TestUser maintainer = newUser("maintainer");
        String org = newOrganization("acme", owner);
        String app = org + "/app";
        pushImage(owner.basic(), app, "v1");
        pushImage(owner.basic(), app, "v2");
        pushImage(owner.basic(), app, "v3");
        for (String[] team : new String[][] {{"readers", "read", reader.name()}, {"writers", "write", writer.name()},
                {"maintainers", "admin", maintainer.name()}}) {
            api(201, "POST", "/api/v1/orgs/" + org + "/teams", Map.of("name", team[0]), owner.basic());
            api(200, "PUT", "/api/v1/orgs/" + org + "/teams/" + team[0] + "/permissions", grant(app, team[1]),
                    owner.basic());
            api(204, "PUT", "/api/v1/orgs/" + org + "/teams/" + team[0] + "/members/" + team[2], null, owner.basic());
        }

        assertThat(pull(reader, app)).isEqualTo(200);
        assertThat(push(reader, app)).isEqualTo(403);
        assertThat(deleteTag(reader, app, "v1")).isEqualTo(403);
        assertThat(changeVisibility(reader, app)).isEqualTo(403);

        assertThat(pull(writer, app)).isEqualTo(200);
        assertThat(push(writer, app)).isEqualTo(201);
        assertThat(deleteTag(writer, app, "v1")).isEqualTo(403);
        assertThat(changeVisibility(writer, app)).isEqualTo(403);

        assertThat(pull(maintainer, app)).isEqualTo(200);
        assertThat(push(maintainer, app)).isEqualTo(201);
        assertThat(deleteTag(maintainer, app, "v1")).isEqualTo(202);
        assertThat(changeVisibility(maintainer, app)).isEqualTo(200);

        assertThat(pull(reader, org + "/other")).as("a grant on app covers no other repository").isEqualTo(403);
    }

    @Test
    void aGrantOnTheWholeOrganizationCoversEveryRepositoryInItAndNoOther() {
        TestUser owner = newUser("owner");
        TestUser member = newUser("member");
        String org = newOrganization("acme", owner);
        String other = newOrganization("other", owner);
        pushImage(owner.basic(), org + "/one", "v1");
        pushImage(owner.basic(), org + "/two/nested", "v1");
        pushImage(owner.basic(), other + "/one", "v1");
        api(201, "POST", "/api/v1/orgs/" + org + "/teams", Map.of("name", "everyone"), owner.basic());
        api(204, "PUT", "/api/v1/orgs/" + org + "/teams/everyone/members/" + member.name(), null, owner.basic());

        assertThat(pull(member, org + "/one")).as("a team without grants").isEqualTo(403);

        api(200, "PUT", "/api/v1/orgs/" + org + "/teams/everyone/permissions", grant(null, "read"), owner.basic());

        assertThat(pull(member, org + "/one")).isEqualTo(200);
        assertThat(pull(member, org + "/two/nested")).isEqualTo(200);
        assertThat(pull(member, other + "/one")).isEqualTo(403);
        assertThat(get("/v2/_catalog", "Authorization", member.basic()).json().get("repositories").toString())
                .contains(org + "/one", org + "/two/nested").doesNotContain(other);

        api(204, "DELETE", "/api/v1/orgs/" + org + "/teams/everyone/permissions", null, owner.basic());
        assertThat(pull(member, org + "/one")).isEqualTo(403);
    }

    @Test
    void accessTakenAwayIsRefusedAtTheNextRequestThoughGrantedRolesAreRemembered() {
        TestUser owner = newUser("owner");
        TestUser member = newUser("member");
        String org = newOrganization("acme", owner);
        String app = org + "/app";
        pushImage(owner.basic(), app, "v1");
        api(201, "POST", "/api/v1/orgs/" + org + "/teams", Map.of("name", "devs"), owner.basic());
        api(200, "PUT", "/api/v1/orgs/" + org + "/teams/devs/permissions", grant(app, "write"), owner.basic());
        api(204, "PUT", "/api/v1/orgs/" + org + "/teams/devs/members/" + member.name(), null, owner.basic());
        assertThat(pull(member, app)).isEqualTo(200);
        assertThat(push(member, app)).isEqualTo(201);

        api(204, "DELETE", "/api/v1/orgs/" + org + "/teams/devs/members/" + member.name(), null, owner.basic());
        assertThat(pull(member, app)).as("removed from the team").isEqualTo(403);
        assertThat(push(member, app)).isEqualTo(403);

        api(200, "PATCH", "/api/v1/repositories/" + app, Map.of("visibility", "public"), owner.basic());
        assertThat(get("/v2/" + app + "/manifests/v1").status()).as("public: anyone pulls").isEqualTo(200);
        assertThat(pull(member, app)).isEqualTo(200);
        api(200, "PATCH", "/api/v1/repositories/" + app, Map.of("visibility", "private"), owner.basic());
        assertThat(get("/v2/" + app + "/manifests/v1").status()).as("private again").isEqualTo(401);
        assertThat(pull(member, app)).isEqualTo(403);
    }

    @Test
    void organizationAdminsMayDoEverythingUnderItAndMembersBecomeAdminsOnlyWhenMadeSo() {
        TestUser owner = newUser("owner");
        TestUser colleague = newUser("colleague");
        String org = newOrganization("acme", owner);
        String app = org + "/app";
        pushImage(owner.basic(), app, "v1");
        api(200, "PUT", "/api/v1/orgs/" + org + "/members/" + colleague.name(), Map.of("admin", false), owner.basic());

        assertThat(pull(colleague, app)).as("a plain member, in no team").isEqualTo(403);
        assertThat(api("POST", "/api/v1/orgs/" + org + "/teams", Map.of("name", "t"), colleague.basic()).status())
                .isEqualTo(403);

        api(200, "PUT", "/api/v1/orgs/" + org + "/members/" + colleague.name(), Map.of("admin", true), owner.basic());

        assertThat(deleteTag(colleague, app, "v1")).isEqualTo(202);
        api(201, "POST", "/api/v1/orgs/" + org + "/teams", Map.of("name", "t"), colleague.basic());
    }

    @Test
    void aNameIsAUserOrAnOrganizationNeverBoth() {
        TestUser alice = newUser("alice");
        String org = newOrganization("acme", alice);

        assertThat(api("POST", "/api/v1/orgs", Map.of("name", alice.name()), alice.basic()).status()).isEqualTo(409);
        assertThat(api("POST", "/api/v1/users", Map.of("username", org, "password", "long-enough-pw"), adminBasic())
                .status()).isEqualTo(409);
        assertThat(api("POST", "/api/v1/orgs", Map.of("name", org), adminBasic()).status()).isEqualTo(409);
    }
}
