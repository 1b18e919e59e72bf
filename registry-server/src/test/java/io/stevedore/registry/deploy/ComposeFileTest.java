package io.stevedore.registry.deploy;

import static io.stevedore.registry.deploy.ComposeFile.ROOT;
import static io.stevedore.registry.deploy.ComposeFile.asMap;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.boot.convert.DurationStyle;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml, read with .env.example as its .env, is a deployment that can work: what it
 * builds and mounts exists, what it waits for is checked, the settings it passes are the
 * server's own, only the worker is privileged, and docker-compose itself accepts it (when
 * installed). ComposeTopologyIT starts the same registry and worker environment from the jars.
 */
class ComposeFileTest {
    private static Map<String, String> dotEnv;
    private static ComposeFile compose;

    @BeforeAll
    static void load() throws Exception {
        dotEnv = ComposeFile.dotEnv(ROOT.resolve(".env.example"));
        compose = ComposeFile.load(dotEnv);
    }

    @Test
    void everyServiceHasAnImageOrABuildOfAnExistingDockerfileStage() throws Exception {
        assertThat(compose.services()).containsKeys("registry", "worker", "postgres", "minio", "minio-init", "lb");
        compose.services().forEach((name, definition) -> {
            Map<String, Object> service = asMap(definition);
            assertThat(service).as(name).containsKey("image");
            Map<String, Object> build = asMap(service.get("build"));
            if (build != null) {
                Path dockerfile = ROOT.resolve(String.valueOf(build.get("context"))).resolve(String.valueOf(build.get("dockerfile")));
                assertThat(dockerfile).as(name).isRegularFile();
                assertThat(stages(dockerfile)).as(name + " target").contains(String.valueOf(build.get("target")));
                assertThat(asMap(build.get("args"))).as(name + " build args").containsKey("BASE_IMAGE");
            }
        });
        assertThat(asMap(compose.service("registry").get("build")).get("target")).isEqualTo("registry");
        assertThat(asMap(compose.service("worker").get("build")).get("target")).isEqualTo("worker");
    }

    @Test
    void theDockerfileCopiesThePackagedJarsTheDockerignoreLetsThrough() throws Exception {
        String dockerfile = Files.readString(ROOT.resolve("deploy/Dockerfile"));
        List<String> ignore = Files.readAllLines(ROOT.resolve(".dockerignore"));
        for (String jar : List.of("registry-server/target/registry-server.jar", "build-service/target/build-service.jar")) {
            assertThat(dockerfile).contains("COPY " + jar + " ");
            assertThat(ignore).contains("!" + jar);
        }
        assertThat(dockerfile).containsPattern("(?m)^ARG BASE_IMAGE=\\S+");
    }

    @Test
    void boundFilesExistAndNamedVolumesAreDeclared() {
        Map<String, Object> declared = compose.topLevel("volumes");
        compose.services().forEach((name, definition) -> {
            Object volumes = asMap(definition).get("volumes");
            for (Object volume : volumes == null ? List.of() : (List<?>) volumes) {
                String source = String.valueOf(volume).split(":")[0];
                if (source.startsWith(".") || source.startsWith("/")) {
                    assertThat(ROOT.resolve(source)).as(name + " mounts " + source).exists();
                } else {
                    assertThat(declared).as(name + " uses volume " + source).containsKey(source);
                }
            }
        });
    }

    @Test
    void whatAServiceWaitsForExistsAndCanReportIt() {
        compose.services().forEach((name, definition) -> {
            Map<String, Object> dependsOn = asMap(asMap(definition).get("depends_on"));
            if (dependsOn == null) {
                return;
            }
            dependsOn.forEach((dependency, how) -> {
                Map<String, Object> target = compose.service(dependency);
                String condition = String.valueOf(asMap(how).get("condition"));
                switch (condition) {
                    case "service_healthy" -> assertThat(target).as(name + " waits for " + dependency + " to be healthy")
                            .containsKey("healthcheck");
                    case "service_completed_successfully" -> assertThat(target.get("restart"))
                            .as(dependency + " runs once").isEqualTo("no");
                    case "service_started" -> { }
                    default -> throw new AssertionError(name + ": unknown condition " + condition);
                }
            });
        });
        assertThat(asMap(compose.service("registry").get("depends_on"))).containsKeys("postgres", "minio-init");
    }

    @Test
    void registryHealthcheckAndTheLoadBalancerUseTheServersPortAndReadinessProbe() throws Exception {
        String test = String.valueOf(asMap(compose.service("registry").get("healthcheck")).get("test"));
        assertThat(test).contains("http://127.0.0.1:5000/actuator/health/readiness");
        assertThat(asMap(compose.service("registry").get("deploy")).get("replicas")).isEqualTo(2);
        assertThat(compose.service("registry")).doesNotContainKey("ports");
        assertThat(compose.service("lb").get("ports")).asList().containsExactly("5000:5000");
        String nginx = Files.readString(ROOT.resolve("deploy/nginx.conf"));
        assertThat(nginx).contains("listen 5000;").contains("server registry:5000 resolve;")
                .contains("client_max_body_size 0;").contains("proxy_request_buffering off;");
        List<String> worker = compose.command("worker");
        assertThat(worker).containsExactly("--registry", "http://lb:5000");
    }

    @Test
    void theRegistryIsGivenLongerToStopThanItLetsPushesInFlightFinish() throws Exception {
        Object grace = compose.service("registry").get("stop_grace_period");
        assertThat(grace).as("docker stop kills after 10 s by default").isNotNull();
        assertThat(DurationStyle.detectAndParse(grace.toString())).isGreaterThan(DeploySettings.shutdownTimeout());
    }

    @Test
    void registrySettingsAreTheServersOwn() {
        Map<String, String> environment = compose.environment("registry");
        assertThat(DeploySettings.unknownSettings(environment)).isEmpty();
        var bound = DeploySettings.bind(Map.copyOf(environment));
        assertThat(bound.storage().type().name()).isEqualTo("S3");
        assertThat(bound.storage().s3().pathStyle()).isTrue();
        assertThat(bound.storage().s3().bucket()).isEqualTo(dotEnv.get("S3_BUCKET"));
        assertThat(bound.auth().adminPassword()).isEqualTo(dotEnv.get("ADMIN_PASSWORD"));
        assertThat(bound.builds().workerToken()).isEqualTo(dotEnv.get("WORKER_TOKEN"))
                .isEqualTo(compose.environment("worker").get("STEVEDORE_WORKER_TOKEN"));
        assertThat(bound.builds().embeddedWorker()).isEqualTo("false");
        assertThat(environment.get("SPRING_DATASOURCE_URL")).isEqualTo("jdbc:postgresql://postgres:5432/stevedore");
    }

    @Test
    void aMisspelledSettingIsCaught() {
        assertThat(DeploySettings.unknownSettings(Map.of("REGISTRY_STORAGE_S3_BUKET", "x"))).hasSize(1);
        assertThat(DeploySettings.unknownSettings(Map.of("SPRING_DATASOURCE_URI", "x"))).hasSize(1);
        assertThat(DeploySettings.unknownSettings(Map.of("REGISTRY_AUTH_TOKEN_LIFETIME", "soon"))).isNotEmpty();
        assertThat(DeploySettings.unknownSettings(Map.of("REGISTRY_AUTH_TOKEN_LIFETIME", "10m",
                "SERVER_FORWARD_HEADERS_STRATEGY", "native"))).isEmpty();
    }

    @Test
    void onlyTheBuildWorkerIsPrivileged() {
        compose.services().forEach((name, definition) -> assertThat(asMap(definition).get("privileged"))
                .as(name).isEqualTo(name.equals("worker") ? true : null));
        assertThat(compose.service("worker").get("volumes")).asList()
                .as("the work dir is a volume: overlayfs cannot stack on the container's own overlay")
                .contains("worker-work:/var/lib/stevedore-worker");
    }

    @Test
    void secretsComeFromDotEnvWhichIsNotCommittedAndHoldsOnlyPlaceholders() throws Exception {
        List<String> required = ComposeFile.requiredVariables();
        assertThat(required).contains("ADMIN_PASSWORD", "POSTGRES_PASSWORD", "S3_ACCESS_KEY", "S3_SECRET_KEY",
                "WORKER_TOKEN", "BUILD_SECRET_KEY");
        assertThat(dotEnv).containsKeys(required.toArray(String[]::new));
        for (String secret : List.of("ADMIN_PASSWORD", "POSTGRES_PASSWORD", "S3_SECRET_KEY", "WORKER_TOKEN", "BUILD_SECRET_KEY")) {
            assertThat(dotEnv.get(secret)).as(secret).startsWith("change-me");
        }
        assertThat(Files.readAllLines(ROOT.resolve(".gitignore"))).contains(".env");
        Map<String, String> missing = new java.util.HashMap<>(dotEnv);
        missing.remove("WORKER_TOKEN");
        assertThatThrownBy(() -> ComposeFile.load(missing)).hasMessageContaining("WORKER_TOKEN");
    }

    @Test
    void dockerComposeAcceptsTheFile() throws Exception {
        String program = onPath("docker-compose") ? "docker-compose" : null;
        assumeTrue(program != null, "docker-compose is not installed (apt-get install docker-compose); skipping its own check");
        Process process = new ProcessBuilder(program, "--env-file", ".env.example", "-f", "docker-compose.yml",
                "config", "--quiet").directory(ROOT.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        Process services = new ProcessBuilder(program, "--env-file", ".env.example", "config", "--services")
                .directory(ROOT.toFile()).redirectErrorStream(true).start();
        String names = new String(services.getInputStream().readAllBytes());
        services.waitFor(60, TimeUnit.SECONDS);
        assertThat(names.lines().toList()).containsExactlyInAnyOrderElementsOf(compose.services().keySet());
    }

    private static List<String> stages(Path dockerfile) {
        List<String> stages = new ArrayList<>();
        Matcher matcher = Pattern.compile("(?im)^FROM\\s+\\S+\\s+AS\\s+(\\S+)").matcher(read(dockerfile));
        while (matcher.find()) {
            stages.add(matcher.group(1));
        }
        return stages;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean onPath(String program) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, program)));
    }
}
