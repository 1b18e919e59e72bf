package io.stevedore.storage.s3;

import java.net.URI;
import java.util.UUID;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 API for tests: S3Proxy in this JVM, over jclouds' in-memory {@code transient} store,
 * on a free loopback port, path-style, with fixed credentials (SigV2 or SigV4, presigned URLs
 * included). Starts in about a second; everything is gone when it is closed.
 *
 * <p>It runs in-process under Spring Boot's dependency management: S3Proxy shades its own Jetty,
 * and its one unshaded need, the jakarta.servlet API, works in the version Boot manages. Another
 * module's tests use it by depending on this module's test-jar plus, in test scope, what this
 * module's pom declares for it: {@code org.gaul:s3proxy} (with the same exclusions) and
 * {@code jakarta.servlet:jakarta.servlet-api}.
 *
 * <pre>{@code
 * try (S3ProxyServer s3 = S3ProxyServer.start()) {
 *     S3BlobStore store = S3BlobStore.create(s3.settings(s3.createBucket()));
 *     ...
 * }
 * }</pre>
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "stevedore-test";
    public static final String SECRET_KEY = "stevedore-test-secret";
    public static final String REGION = "us-east-1";

    private final BlobStoreContext context;
    private final S3Proxy proxy;
    private final URI endpoint;

    private S3ProxyServer(BlobStoreContext context, S3Proxy proxy) {
        this.context = context;
        this.proxy = proxy;
        this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    public static S3ProxyServer start() throws Exception {
        BlobStoreContext context = ContextBuilder.newBuilder("transient")
                .credentials(ACCESS_KEY, SECRET_KEY)
                .build(BlobStoreContext.class);
        try {
            S3Proxy proxy = S3Proxy.builder()
                    .blobStore(context.getBlobStore())
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    .endpoint(URI.create("http://127.0.0.1:0"))
                    .build();
            proxy.start();
            return new S3ProxyServer(context, proxy);
        } catch (Exception | Error e) {
            context.close();
            throw e;
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /** A new, empty bucket with a random name. */
    public String createBucket() {
        String bucket = "test-" + UUID.randomUUID();
        context.getBlobStore().createContainerInLocation(null, bucket);
        return bucket;
    }

    /**
     * Settings for a bucket of this server: its endpoint and credentials, path-style, and the
     * smallest part size S3 allows (5 MiB), so tests reach the multipart paths with little data.
     */
    public S3Settings settings(String bucket) {
        return S3Settings.of(REGION, bucket)
                .withEndpoint(endpoint)
                .withCredentials(ACCESS_KEY, SECRET_KEY)
                .withPathStyle(true)
                .withPartSize(S3Settings.MIN_PART_SIZE);
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.stop();
        } finally {
            context.close();
        }
    }
}
