package io.stevedore.storage.s3;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The BlobStore contract and the S3-specific behaviour against MinIO in a container, where Docker
 * already has the {@code minio/minio} image; skipped, with the reason, everywhere else.
 */
class MinioBlobStoreTest extends S3StoreBehaviour {
    private static final String IMAGE = "minio/minio";
    private static final String ACCESS_KEY = "stevedore-minio";
    private static final String SECRET_KEY = "stevedore-minio-secret";
    private static final String BUCKET = "stevedore";

    private static GenericContainer<?> minio;
    private static S3Settings bucketSettings;
    /** Why MinIO cannot run here; each test is then skipped with it (a skip in @BeforeAll shows no reason). */
    private static Optional<String> unavailable;

    @BeforeAll
    static void startMinio() throws Exception {
        unavailable = LocalDockerImage.whyNotRunnable(IMAGE);
        if (unavailable.isPresent()) {
            return;
        }
        int port = freePort();
        int consolePort = freePort();
        minio = new GenericContainer<>(DockerImageName.parse(IMAGE))
                // Host network: CI's Docker engine runs without a bridge, so ports cannot be mapped.
                .withNetworkMode("host")
                .withEnv("MINIO_ROOT_USER", ACCESS_KEY)
                .withEnv("MINIO_ROOT_PASSWORD", SECRET_KEY)
                .withCommand("server", "/data", "--address", "127.0.0.1:" + port,
                        "--console-address", "127.0.0.1:" + consolePort)
                .waitingFor(Wait.forLogMessage("(?s).*API: .*", 1).withStartupTimeout(Duration.ofMinutes(1)));
        minio.start();
        bucketSettings = S3Settings.of("us-east-1", BUCKET)
                .withEndpoint(URI.create("http://127.0.0.1:" + port))
                .withCredentials(ACCESS_KEY, SECRET_KEY)
                .withPathStyle(true)
                .withPartSize(S3Settings.MIN_PART_SIZE);
        try (S3Client client = S3Clients.client(bucketSettings)) {
            client.createBucket(b -> b.bucket(BUCKET));
        }
    }

    @AfterAll
    static void stopMinio() {
        if (minio != null) {
            minio.stop();
        }
    }

    @Override
    protected S3Settings bucketSettings() {
        assumeTrue(unavailable.isEmpty(), () -> "MinIO not run: " + unavailable.orElseThrow());
        return bucketSettings;
    }

    @Override
    protected boolean listsMultipartUploadsByPrefix() {
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
