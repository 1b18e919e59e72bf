package io.stevedore.registry;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.stevedore.json.Json;
import io.stevedore.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Base of the tests of authentication: a second real server in the test JVM, like the one of
 * {@link RegistryTestSupport} but with {@code registry.auth.enabled=true}, its own data dir and
 * embedded PostgreSQL, and no admin password configured, so it generates one; the password is
 * read from its log line, which is how an operator would get it. The anonymous suites keep
 * their own server, untouched.
 *
 * <p>On an external PostgreSQL ({@code -Dstevedore.test.datasource-url}) the admin may exist
 * already, so there the admin password is configured instead of generated.
 *
 * <p>Failed logins are limited to {@value #FAILURES_PER_USER} per user name and
 * {@value #FAILURES_PER_ADDRESS} per address in 5 minutes here: every test client is 127.0.0.1, so
 * the per-address limit stays above what the whole suite's wrong passwords add up to.
 */
public abstract class AuthRegistryTestSupport {
    public static final int FAILURES_PER_USER = 5;
    public static final int FAILURES_PER_ADDRESS = 40;

    /** Where the admin account logs its generated password (the class is package-private). */
    private static final String ADMIN_ACCOUNT_LOGGER = "io.stevedore.registry.auth.login.AdminAccount";
    private static final Pattern GENERATED = Pattern.compile("password for the admin user: (\\S+) ");
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private static URI url;
    private static ConfigurableApplicationContext context;
    private static String adminPassword;
    private static List<String> adminAccountLog = List.of();
    private static Path dataDir;

    /** A user created through the API for one test. */
    public record TestUser(String name, String password) {

        /** The value of an {@code Authorization: Basic} header. */
        public String basic() {
            return AuthRegistryTestSupport.basic(name, password);
        }
    }

    /** A response, its body kept as text. */
    public record Response(int status, HttpHeaders headers, String body) {

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        public JsonNode json() {
            return Json.MAPPER.readTree(body);
        }
    }

    protected static synchronized URI authRegistryUrl() {
        if (url == null) {
            start();
        }
        return url;
    }

    /** host:port, as docker and skopeo want it. */
    protected static String authRegistryHost() {
        URI u = authRegistryUrl();
        return u.getHost() + ":" + u.getPort();
    }

    protected static ConfigurableApplicationContext authContext() {
        authRegistryUrl();
        return context;
    }

    protected static Path authDataDir() {
        authRegistryUrl();
        return dataDir;
    }

    /** The password the server generated for {@code admin} and logged once. */
    protected static String adminPassword() {
        authRegistryUrl();
        return adminPassword;
    }

    /** What the admin account logged while the server started (empty when the password was configured). */
    protected static List<String> adminAccountLog() {
        authRegistryUrl();
        return adminAccountLog;
    }

    protected static String adminBasic() {
        return basic("admin", adminPassword());
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** A fresh user (name {@code prefix-<random>}), created by the admin through the API. */
    protected static TestUser newUser(String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        Response created = send("POST", "/api/v1/users",
                Json.MAPPER.writeValueAsBytes(Map.of("username", name, "password", password)),
                "Authorization", adminBasic(), "Content-Type", "application/json");
        assertThat(created.status()).as("create user %s: %s", name, created.body()).isEqualTo(201);
        return new TestUser(name, password);
    }

    /** Sets a repository's visibility as {@code user} through the API and asserts it worked. */
    protected static void setVisibility(TestUser user, String repository, String visibility) {
        Response changed = send("PATCH", "/api/v1/repositories/" + repository,
                Json.MAPPER.writeValueAsBytes(Map.of("visibility", visibility)),
                "Authorization", user.basic(), "Content-Type", "application/json");
        assertThat(changed.status()).as("PATCH visibility of %s: %s", repository, changed.body()).isEqualTo(200);
    }

    /** A JSON request to the management API; a null body sends none. */
    protected static Response api(String method, String path, Object body, String authorization) {
        return body == null ? send(method, path, null, "Authorization", authorization)
                : send(method, path, Json.MAPPER.writeValueAsBytes(body),
                        "Authorization", authorization, "Content-Type", "application/json");
    }

    /** Like {@link #api} and asserts the status. */
    protected static Response api(int expectedStatus, String method, String path, Object body, String authorization) {
        Response response = api(method, path, body, authorization);
        assertThat(response.status()).as("%s %s: %s", method, path, response.body()).isEqualTo(expectedStatus);
        return response;
    }

    /** A fresh organization (name {@code prefix-<random>}) created by {@code owner}, its first admin. */
    protected static String newOrganization(String prefix, TestUser owner) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        api(201, "POST", "/api/v1/orgs", Map.of("name", name), owner.basic());
        return name;
    }

    /** A robot {@code namespace+name} created by {@code admin}; returns its token. */
    protected static String newRobot(String robot, String authorization) {
        return api(201, "POST", "/api/v1/robots", Map.of("name", robot), authorization).json().get("token")
                .asString();
    }

    /** A personal access token of the user; returns its id and secret. */
    protected static String[] newAccessToken(TestUser user, String name) {
        JsonNode created = api(201, "POST", "/api/v1/tokens", Map.of("name", name), user.basic()).json();
        return new String[] {created.get("id").asString(), created.get("token").asString()};
    }

    /** The audit entries the site admin reads with these query parameters (e.g. {@code action=...}). */
    protected static JsonNode auditEntries(String query) {
        return api(200, "GET", "/api/v1/audit?" + query, null, adminBasic()).json().get("entries");
    }

    /**
     * Pushes the smallest image (a unique config blob and a manifest without layers) with HTTP
     * Basic straight on /v2, and returns the manifest's digest.
     */
    protected static String pushImage(String authorization, String repository, String tag) {
        byte[] config = Json.MAPPER.writeValueAsBytes(Map.of("architecture", "amd64", "os", "linux",
                "rootfs", Map.of("type", "layers", "diff_ids", List.of()), "nonce", UUID.randomUUID().toString()));
        String configDigest = sha256(config);
        Response blob = send("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + configDigest, config,
                "Authorization", authorization, "Content-Type", "application/octet-stream");
        assertThat(blob.status()).as("monolithic blob push to %s: %s", repository, blob.body()).isEqualTo(201);
        byte[] manifest = manifest(configDigest, config.length);
        Response put = send("PUT", "/v2/" + repository + "/manifests/" + tag, manifest,
                "Authorization", authorization, "Content-Type", "application/vnd.oci.image.manifest.v1+json");
        assertThat(put.status()).as("manifest push to %s: %s", repository, put.body()).isEqualTo(201);
        return sha256(manifest);
    }

    protected static byte[] manifest(String configDigest, long configSize) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                + configDigest + "\",\"size\":" + configSize + "},\"layers\":[]}").getBytes(StandardCharsets.UTF_8);
    }

    /** One request to the auth server; {@code headers} are name/value pairs, a null body sends none. */
    protected static Response send(String method, String pathOrUrl, byte[] body, String... headers) {
        URI uri = pathOrUrl.startsWith("http") ? URI.create(pathOrUrl) : URI.create(authRegistryUrl() + pathOrUrl);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    protected static Response get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    /** The claims of a JWT, decoded without verifying it (the server verifies; the test inspects). */
    protected static JsonNode claims(String jwt) {
        return Json.MAPPER.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    protected static JsonNode jwtHeader(String jwt) {
        return Json.MAPPER.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[0]));
    }

    public static String sha256(byte[] content) {
        return Digest.sha256(content).toString();
    }

    private static void start() {
        try {
            dataDir = Files.createDirectories(Path.of("target", "test-registry"))
                    .resolve("auth-run-" + ProcessHandle.current().pid()).toAbsolutePath();
            deleteRecursively(dataDir); // a fresh admin, so that its password is generated and logged
            List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
                    "--registry.data-dir=" + dataDir,
                    "--registry.auth.enabled=true",
                    "--registry.auth.failed-logins.per-user=" + FAILURES_PER_USER,
                    "--registry.auth.failed-logins.per-address=" + FAILURES_PER_ADDRESS,
                    // builds: a lost worker is noticed quickly, and the context limit is reachable
                    "--registry.builds.lease-timeout=3s", "--registry.builds.heartbeat=1s",
                    "--registry.builds.max-context-size=4MB", "--registry.builds.embedded-worker=false",
                    // usage.UsageBacklogTest looks at the backlog between a push and its drain
                    "--registry.usage.backlog-drain-interval=PT1H"));
            // -Dstevedore.test.storage=s3 (the s3-storage execution) puts this server on S3 too
            args.addAll(RegistryTestSupport.storageArguments());
            List<String> datasource = RegistryTestSupport.externalDatasourceArguments();
            if (!datasource.isEmpty()) {
                adminPassword = "admin-" + UUID.randomUUID();
                args.add("--registry.auth.admin-password=" + adminPassword);
                args.addAll(datasource);
            }
            ListAppender<ILoggingEvent> adminLog = new ListAppender<>();
            context = new SpringApplicationBuilder(StevedoreApplication.class)
                    .listeners(event -> {
                        // Logging is set up by now; the admin is settled during the refresh that follows.
                        if (event instanceof ApplicationPreparedEvent) {
                            adminLog.start();
                            ((Logger) LoggerFactory.getLogger(ADMIN_ACCOUNT_LOGGER))
                                    .addAppender(adminLog);
                        }
                    })
                    .run(args.toArray(String[]::new));
            ((Logger) LoggerFactory.getLogger(ADMIN_ACCOUNT_LOGGER)).detachAppender(adminLog);
            adminAccountLog = adminLog.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            if (adminPassword == null) {
                adminPassword = adminAccountLog.stream().map(GENERATED::matcher).filter(Matcher::find)
                        .map(m -> m.group(1)).findFirst()
                        .orElseThrow(() -> new IllegalStateException("the auth server logged no admin password"));
            }
            url = URI.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"));
        } catch (Exception e) {
            throw new IllegalStateException("could not start the registry with authentication", e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
