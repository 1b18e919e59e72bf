package io.stevedore.registry.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.json.Json;
import io.stevedore.registry.AuthRegistryTestSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The real docker CLI and engine against the registry with authentication on: docker login and
 * logout (token endpoint with HTTP Basic, then refresh tokens), push and pull as the owner,
 * refusals for others, anonymous pulls of a public image; robot accounts limited to their
 * grants; personal access tokens that stop working when revoked. Each test keeps its credentials in its
 * own DOCKER_CONFIG directory. Skipped when no Docker daemon answers.
 */
class DockerLoginE2ETest extends AuthRegistryTestSupport {

    @TempDir
    Path work;

    private Path config;
    private final List<String> localTags = new ArrayList<>();

    @BeforeEach
    void requireDocker() throws IOException {
        Processes.assumeDockerDaemon();
        config = Files.createDirectories(work.resolve("docker-config"));
    }

    @AfterEach
    void removeLocalImages() {
        for (String tag : localTags) {
            Processes.run("docker", "rmi", "-f", tag);
        }
    }

    private Processes.Result docker(String... arguments) {
        List<String> command = new ArrayList<>(List.of("docker", "--config", config.toString()));
        command.addAll(List.of(arguments));
        return Processes.run(command.toArray(String[]::new));
    }

    private Processes.Result login(TestUser user, String password) {
        return login(user.name(), password);
    }

    /** docker login as a user (password or personal access token) or a robot ({@code acme+ci}, its token). */
    private Processes.Result login(String name, String secret) {
        return Processes.runWithInput(secret, "docker", "--config", config.toString(), "login",
                "--username", name, "--password-stdin", authRegistryHost());
    }

    private JsonNode auths() throws IOException {
        Path file = config.resolve("config.json");
        return Files.exists(file) ? Json.MAPPER.readTree(Files.readString(file)).path("auths")
                : Json.MAPPER.createObjectNode();
    }

    /** Loads the busybox image under a local name and tags it into the registry as {@code repository:v1}. */
    private String loadAndTag(String repository) {
        String suffix = RegistryHttp.randomSuffix();
        String local = "stevedore-e2e/auth-busybox-" + suffix + ":v1";
        String remote = authRegistryHost() + "/" + repository + ":v1";
        localTags.add(local);
        localTags.add(remote);
        Path archive = work.resolve("busybox-" + suffix + ".tar");
        BusyboxImages.writeDockerArchive(BusyboxImages.amd64Image(), local, archive);
        Processes.check("docker", "load", "-i", archive.toString());
        Processes.check("docker", "tag", local, remote);
        return remote;
    }

    @Test
    void loginKeepsARefreshTokenInsteadOfThePasswordAndLogoutForgetsIt() throws IOException {
        TestUser alice = newUser("alice");

        Processes.Result login = login(alice, alice.password());

        assertThat(login.succeeded()).as(login.describe()).isTrue();
        assertThat(login.out()).contains("Login Succeeded");
        JsonNode entry = auths().path(authRegistryHost());
        assertThat(entry.path("identitytoken").asString()).as("docker keeps the refresh token").isNotBlank();
        assertThat(Files.readString(config.resolve("config.json"))).doesNotContain(alice.password());

        Processes.Result logout = docker("logout", authRegistryHost());
        assertThat(logout.succeeded()).as(logout.describe()).isTrue();
        assertThat(auths().has(authRegistryHost())).isFalse();
    }

    @Test
    void loginWithAWrongPasswordFailsAndStoresNothing() throws IOException {
        TestUser alice = newUser("alice");

        Processes.Result login = login(alice, "not-" + alice.password());

        assertThat(login.succeeded()).as(login.describe()).isFalse();
        assertThat(login.stderr().toLowerCase()).contains("unauthorized");
        assertThat(auths().has(authRegistryHost())).isFalse();
    }

    @Test
    void pushIsDeniedWithoutCredentialsAndAllowedAfterLogin() {
        TestUser alice = newUser("alice");
        String repository = alice.name() + "/app";
        String remote = loadAndTag(repository);

        Processes.Result anonymous = docker("push", remote);
        assertThat(anonymous.succeeded()).as(anonymous.describe()).isFalse();
        assertThat(anonymous.out() + anonymous.stderr()).containsAnyOf("denied", "unauthorized");

        assertThat(login(alice, alice.password()).succeeded()).isTrue();
        Processes.Result push = docker("push", remote);
        assertThat(push.succeeded()).as(push.describe()).isTrue();
        assertThat(get("/v2/" + repository + "/tags/list", "Authorization", alice.basic()).body()).contains("v1");
        Integer refreshGrants = authContext().getBean(JdbcClient.class).sql("""
                select count(*) from audit_log
                where event = 'token.grant' and actor = ? and detail ->> 'via' = 'refresh_token'""")
                .param(alice.name()).query(Integer.class).single();
        assertThat(refreshGrants).as("docker pushed with the refresh token login left it (OAuth2 POST)").isPositive();

        docker("rmi", remote);
        Processes.Result pull = docker("pull", remote);
        assertThat(pull.succeeded()).as("the owner pulls it back: " + pull.describe()).isTrue();
    }

    @Test
    void aPrivateImageIsUnpullableByAnotherUserAndPulledAnonymouslyOncePublic() {
        TestUser alice = newUser("alice");
        TestUser bob = newUser("bob");
        String repository = alice.name() + "/private-app";
        String remote = loadAndTag(repository);
        assertThat(login(alice, alice.password()).succeeded()).isTrue();
        Processes.check("docker", "--config", config.toString(), "push", remote);
        Processes.check("docker", "--config", config.toString(), "logout", authRegistryHost());
        Processes.check("docker", "rmi", remote);

        Processes.Result anonymous = docker("pull", remote);
        assertThat(anonymous.succeeded()).as("anonymous pull of a private image: " + anonymous.describe()).isFalse();
        assertThat(login(bob, bob.password()).succeeded()).isTrue();
        Processes.Result asBob = docker("pull", remote);
        assertThat(asBob.succeeded()).as("bob's pull of alice's private image: " + asBob.describe()).isFalse();
        Processes.check("docker", "--config", config.toString(), "logout", authRegistryHost());

        setVisibility(alice, repository, "public");

        Processes.Result pull = docker("pull", remote);
        assertThat(pull.succeeded()).as("anonymous pull once public: " + pull.describe()).isTrue();
        String output = Processes.check("docker", "run", "--rm", "--network", "none", remote, "echo", "hello").out();
        assertThat(output.strip()).isEqualTo("hello");
    }

    @Test
    void aRobotPushesToTheOneRepositoryItMayWriteAndNowhereElse() {
        TestUser owner = newUser("owner");
        String org = newOrganization("acme", owner);
        String robot = org + "+ci";
        String token = newRobot(robot, owner.basic());
        api(200, "PUT", "/api/v1/robots/" + robot + "/permissions",
                java.util.Map.of("repository", org + "/allowed", "role", "write"), owner.basic());
        pushImage(owner.basic(), org + "/private", "v1");
        String allowed = loadAndTag(org + "/allowed");
        String other = loadAndTag(org + "/other");

        Processes.Result login = login(robot, token);
        assertThat(login.succeeded()).as(login.describe()).isTrue();

        Processes.Result push = docker("push", allowed);
        assertThat(push.succeeded()).as("push to the granted repository: " + push.describe()).isTrue();
        Processes.Result denied = docker("push", other);
        assertThat(denied.succeeded()).as("push elsewhere in the organization: " + denied.describe()).isFalse();
        assertThat(denied.out() + denied.stderr()).containsAnyOf("denied", "unauthorized");
        Processes.Result pull = docker("pull", authRegistryHost() + "/" + org + "/private:v1");
        assertThat(pull.succeeded()).as("pull of a private repository without a grant: " + pull.describe())
                .isFalse();
        assertThat(get("/v2/" + org + "/allowed/tags/list", "Authorization", owner.basic()).body()).contains("v1");
        assertThat(auditEntries("actor=" + java.net.URLEncoder.encode(robot, java.nio.charset.StandardCharsets.UTF_8)
                + "&action=" + io.stevedore.registry.auth.audit.AuditLog.MANIFEST_PUSHED)).hasSize(1);
    }

    @Test
    void anAccessTokenLogsInLikeThePasswordAndStopsWorkingRightAfterItIsRevoked() throws IOException {
        TestUser alice = newUser("alice");
        String[] token = newAccessToken(alice, "laptop");
        String first = loadAndTag(alice.name() + "/with-token");

        Processes.Result login = login(alice.name(), token[1]);
        assertThat(login.succeeded()).as(login.describe()).isTrue();
        assertThat(Files.readString(config.resolve("config.json"))).doesNotContain(token[1]);
        Processes.Result push = docker("push", first);
        assertThat(push.succeeded()).as("push after logging in with the token: " + push.describe()).isTrue();
        JsonNode listed = api(200, "GET", "/api/v1/tokens", null, alice.basic()).json();
        assertThat(listed.toString()).contains("laptop").doesNotContain(token[1]);
        assertThat(listed.get(0).get("lastUsedAt").isNull()).as("last use recorded").isFalse();

        api(204, "DELETE", "/api/v1/tokens/" + token[0], null, alice.basic());

        Processes.Result again = docker("push", loadAndTag(alice.name() + "/after-revoke"));
        assertThat(again.succeeded()).as("push with the login the revoked token made: " + again.describe()).isFalse();
        Processes.Result relogin = login(alice.name(), token[1]);
        assertThat(relogin.succeeded()).as("login with the revoked token: " + relogin.describe()).isFalse();
        assertThat(get("/v2/", "Authorization", basic(alice.name(), token[1])).status()).isEqualTo(401);
    }
}
