package io.stevedore.registry;

import io.stevedore.storage.s3.S3ProxyServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Base of every test that talks to a running registry over HTTP. One real server per test JVM,
 * started on first use: the embedded default (filesystem storage, PostgreSQL started from real
 * binaries) on a free port, its data under {@code target/test-registry}.
 *
 * <p>{@code -Dstevedore.test.storage=s3} runs that server on S3 (S3Proxy in this JVM) instead.
 * {@code -Dstevedore.test.registry-url=http://127.0.0.1:5001} points the tests at another
 * registry instead (used to compare behaviour with CNCF Distribution);
 * {@code -Dstevedore.test.datasource-url=jdbc:postgresql://...} runs our server on an external
 * PostgreSQL. {@code -Dstevedore.test.auth=true} runs the server with authentication on instead:
 * the suites then act as {@value #SPEC_USER}, admin of the organization {@value #SPEC_ORGANIZATION}
 * that owns their repositories, through the bearer token flow ({@link #registryAccount()}).
 */
public abstract class RegistryTestSupport {
    static final String SPEC_USER = "spec-runner";
    static final String SPEC_ORGANIZATION = "spec";

    /** A user name and password to authenticate with. */
    public record TestAccount(String username, String password) {
    }

    private static TestAccount account;

    private static URI url;
    private static ConfigurableApplicationContext context;
    private static S3ProxyServer s3;
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    /** Base URL of the registry under test, without a trailing slash, e.g. http://127.0.0.1:41234 */
    protected static synchronized URI registryUrl() {
        if (url == null) {
            String external = System.getProperty("stevedore.test.registry-url");
            url = external != null && !external.isBlank() ? URI.create(external.replaceAll("/+$", "")) : start();
        }
        return url;
    }

    /** host:port of the registry under test, as docker and skopeo want it. */
    protected static String registryHost() {
        URI u = registryUrl();
        return u.getHost() + ":" + u.getPort();
    }

    protected static HttpClient http() {
        return HTTP;
    }

    /** Whom to authenticate as: null unless {@code -Dstevedore.test.auth=true}. */
    protected static TestAccount registryAccount() {
        registryUrl();
        return account;
    }

    /** The running server's Spring context, or null when testing an external registry. */
    protected static ConfigurableApplicationContext context() {
        registryUrl();
        return context;
    }

    /**
     * {@code -Dstevedore.test.storage=s3} runs the server on S3: a real S3 API (S3Proxy) started
     * in this JVM, a fresh bucket, and the smallest part size S3 allows, so multipart paths run.
     */
    static List<String> storageArguments() throws Exception {
        if (!TestStorage.s3()) {
            return List.of("--registry.storage.type=fs");
        }
        s3 = S3ProxyServer.start();
        return TestStorage.s3Arguments(s3);
    }

    /**
     * With {@code -Dstevedore.test.datasource-url}, the arguments that put a server on that
     * external PostgreSQL; none otherwise (the server then starts its embedded one).
     */
    public static List<String> externalDatasourceArguments() {
        String datasource = System.getProperty("stevedore.test.datasource-url");
        if (datasource == null || datasource.isBlank()) {
            return List.of();
        }
        return List.of("--spring.datasource.url=" + datasource,
                "--spring.datasource.username=" + System.getProperty("stevedore.test.datasource-username", "postgres"),
                "--spring.datasource.password=" + System.getProperty("stevedore.test.datasource-password", ""));
    }

    /**
     * The user the suites run as, and the organization owning their repositories with that user
     * as its admin; both may exist already on an external PostgreSQL, so 409 is fine.
     */
    private static TestAccount createSpecAccount(URI server, String adminPassword) throws Exception {
        TestAccount runner = new TestAccount(SPEC_USER, "spec-" + UUID.randomUUID());
        post(server, "/api/v1/users", "{\"username\":\"" + runner.username() + "\",\"password\":\""
                + runner.password() + "\"}", "admin", adminPassword);
        // On an external database the user may exist with another password: set this one.
        int changed = send(server, "PUT", "/api/v1/users/" + runner.username() + "/password",
                "{\"password\":\"" + runner.password() + "\"}", "admin", adminPassword);
        if (changed != 204) {
            throw new IllegalStateException("could not set the password of " + runner.username() + ": " + changed);
        }
        post(server, "/api/v1/orgs", "{\"name\":\"" + SPEC_ORGANIZATION + "\"}", runner.username(),
                runner.password());
        return runner;
    }

    private static void post(URI server, String path, String json, String user, String password) throws Exception {
        int status = send(server, "POST", path, json, user, password);
        if (status != 201 && status != 409) {
            throw new IllegalStateException("POST " + path + " answered " + status);
        }
    }

    private static int send(URI server, String method, String path, String json, String user, String password)
            throws Exception {
        return HTTP.send(HttpRequest.newBuilder(server.resolve(path))
                        .method(method, HttpRequest.BodyPublishers.ofString(json))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                                (user + ":" + password).getBytes(StandardCharsets.UTF_8)))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static URI start() {
        try {
            Path dataDir = Files.createDirectories(Path.of("target", "test-registry"))
                    .resolve("run-" + ProcessHandle.current().pid());
            // Command-line arguments, because they outrank application.properties (default properties do not).
            boolean auth = Boolean.getBoolean("stevedore.test.auth");
            String adminPassword = "admin-" + UUID.randomUUID();
            // Authentication is on by default; unless asked to, these suites test the registry open to anyone.
            List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
                    "--registry.data-dir=" + dataDir.toAbsolutePath(), "--registry.auth.enabled=" + auth));
            if (auth) {
                args.add("--registry.auth.admin-password=" + adminPassword);
            }
            args.addAll(storageArguments());
            args.addAll(externalDatasourceArguments());
            context = new SpringApplicationBuilder(StevedoreApplication.class).run(args.toArray(String[]::new));
            String port = context.getEnvironment().getProperty("local.server.port");
            URI started = URI.create("http://127.0.0.1:" + port);
            if (auth) {
                account = createSpecAccount(started, adminPassword);
            }
            return started;
        } catch (Exception e) {
            throw new IllegalStateException("could not start the registry under test", e);
        }
    }
}
