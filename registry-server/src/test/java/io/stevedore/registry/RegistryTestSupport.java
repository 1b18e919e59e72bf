package io.stevedore.registry;

import io.stevedore.storage.s3.S3ProxyServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * PostgreSQL.
 */
public abstract class RegistryTestSupport {

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

    private static URI start() {
        try {
            Path dataDir = Files.createDirectories(Path.of("target", "test-registry"))
                    .resolve("run-" + ProcessHandle.current().pid());
            // Command-line arguments, because they outrank application.properties (default properties do not).
            // Authentication is on by default; these suites test the registry open to anonymous callers.
            List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
                    "--registry.data-dir=" + dataDir.toAbsolutePath(), "--registry.auth.enabled=false"));
            args.addAll(storageArguments());
            String datasource = System.getProperty("stevedore.test.datasource-url");
            if (datasource != null && !datasource.isBlank()) {
                args.add("--spring.datasource.url=" + datasource);
                args.add("--spring.datasource.username="
                        + System.getProperty("stevedore.test.datasource-username", "postgres"));
                args.add("--spring.datasource.password="
                        + System.getProperty("stevedore.test.datasource-password", ""));
            }
            context = new SpringApplicationBuilder(StevedoreApplication.class).run(args.toArray(String[]::new));
            String port = context.getEnvironment().getProperty("local.server.port");
            return URI.create("http://127.0.0.1:" + port);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the registry under test", e);
        }
    }
}
