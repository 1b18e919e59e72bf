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
 * refusals for others, anonymous pulls of a public image. Each test keeps its credentials in its
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
        return Processes.runWithInput(password, "docker", "--config", config.toString(), "login",
                "--username", user.name(), "--password-stdin", authRegistryHost());
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
}
