package io.stevedore.registry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.builder.engine.BuildRequest;
import io.stevedore.builder.engine.BuildResult;
import io.stevedore.builder.engine.ImageBuilder;
import io.stevedore.builder.engine.Progress;
import io.stevedore.builder.engine.Registries;
import io.stevedore.client.DockerConfig;
import io.stevedore.client.ImageReference;
import io.stevedore.client.RegistryClient;
import io.stevedore.oci.Platform;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.AuthRegistryTestSupport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds against a registry with authentication on (the default), credentials taken from a
 * docker config.json as `docker login` writes it: the base image is pulled and the result and its
 * cache are pushed with the user's bearer tokens; another user's namespace is refused clearly.
 */
class BuildWithCredentialsE2ETest extends AuthRegistryTestSupport {

    @TempDir
    static Path shared;

    private static TestUser alice;
    private static TestUser bob;
    private static String base;

    @TempDir
    Path context;

    @BeforeAll
    static void pushBaseAsAlice() throws IOException {
        assumeTrue(new ProcessBuilder("id", "-u").start().inputReader().readLine().equals("0"),
                "builds mount overlays and start runc containers: needs root; skipping");
        Processes.assumeInstalled("runc", "runc");
        alice = newUser("alice");
        bob = newUser("bob");
        base = BuildBaseImages.push(authRegistryHost(), alice.name() + "/base", alice.name() + ":" + alice.password(),
                shared, false);
    }

    private BuildResult build(TestUser user, String repository) throws IOException {
        return build(user, repository, new ByteArrayOutputStream());
    }

    private BuildResult build(TestUser user, String repository, ByteArrayOutputStream log) throws IOException {
        Path configDir = Files.createDirectories(shared.resolve("docker-" + user.name()));
        String auth = Base64.getEncoder().encodeToString((user.name() + ":" + user.password()).getBytes(StandardCharsets.UTF_8));
        Files.writeString(configDir.resolve("config.json"), "{\"auths\":{\"" + authRegistryHost() + "\":{\"auth\":\"" + auth + "\"}}}");
        try (Registries registries = new Registries(DockerConfig.load(configDir.resolve("config.json")), Map.of(), Set.of());
             PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            String reference = authRegistryHost() + "/" + repository + ":1";
            BuildRequest request = new BuildRequest(context, context.resolve("Dockerfile"),
                    List.of(ImageReference.parse(reference, authRegistryHost())), Map.of(), null,
                    List.of(Platform.of("linux", "amd64")), Map.of(), false, Map.of(), null, null, true,
                    Duration.ofMinutes(5), 0);
            return new ImageBuilder(shared.resolve("work-" + user.name()), registries, authRegistryHost())
                    .build(request, new Progress(progress, false));
        }
    }

    @Test
    void aUserBuildsFromHerPrivateBaseIntoHerNamespaceWithDockerConfigCredentials() throws IOException {
        Files.writeString(context.resolve("Dockerfile"), "FROM %s:amd64\nRUN echo private > /built\n".formatted(base));
        String repository = alice.name() + "/app";
        BuildResult result = build(alice, repository);
        try (RegistryClient client = RegistryClient.builder(authRegistryHost())
                .credentials(io.stevedore.client.RegistryCredentials.basic(alice.name(), alice.password())).build()) {
            assertThat(client.fetchManifest(RepositoryName.of(repository), "1").digest()).isEqualTo(result.digest());
            assertThat(client.listTags(RepositoryName.of(repository + "/buildcache"))).as("cache entries beside it")
                    .isNotEmpty();
        }
    }

    @Test
    void aRobotThatMayPushToOneRepositoryBuildsIntoItAndKeepsItsCacheLocal() throws IOException {
        String robot = alice.name() + "+ci";
        String token = newRobot(robot, alice.basic());
        api(200, "PUT", "/api/v1/robots/" + robot + "/permissions",
                Map.of("repository", alice.name() + "/service", "role", "write"), alice.basic());
        api(200, "PUT", "/api/v1/robots/" + robot + "/permissions",
                Map.of("repository", alice.name() + "/base", "role", "read"), alice.basic());
        Files.writeString(context.resolve("Dockerfile"), "FROM %s:amd64\nRUN echo by-robot > /built\n".formatted(base));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BuildResult result = build(new TestUser(robot, token), alice.name() + "/service", log);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("warning: could not store cache entry");
        try (RegistryClient client = RegistryClient.builder(authRegistryHost())
                .credentials(io.stevedore.client.RegistryCredentials.basic(alice.name(), alice.password())).build()) {
            assertThat(client.fetchManifest(RepositoryName.of(alice.name() + "/service"), "1").digest())
                    .isEqualTo(result.digest());
        }
    }

    @Test
    void anotherUsersNamespaceOrPrivateBaseIsRefusedClearly() throws IOException {
        Files.writeString(context.resolve("Dockerfile"), "FROM %s:amd64\nRUN true\n".formatted(base));
        assertThatThrownBy(() -> build(bob, bob.name() + "/app"))
                .as("bob cannot pull alice's private base").hasMessageContaining(alice.name() + "/base");
        Files.writeString(context.resolve("Dockerfile"), "FROM scratch\nCOPY Dockerfile /\n");
        assertThatThrownBy(() -> build(bob, alice.name() + "/stolen"))
                .as("bob cannot push into alice's namespace").hasMessageContaining("denied");
    }
}
