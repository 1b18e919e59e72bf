package io.stevedore.registry.scaleout;

import io.stevedore.registry.TestStorage;
import io.stevedore.storage.s3.S3ProxyServer;
import java.nio.file.Path;
import java.util.List;

/**
 * The storage every replica of a scale-out test shares: one bucket of a real S3 API (S3Proxy in
 * the test JVM) with {@code -Dstevedore.test.storage=s3}, else one filesystem both processes see,
 * as a shared volume would be.
 */
public final class ScaleOutStorage implements AutoCloseable {
    private final S3ProxyServer s3;
    private final List<String> arguments;

    private ScaleOutStorage(S3ProxyServer s3, List<String> arguments) {
        this.s3 = s3;
        this.arguments = arguments;
    }

    public static ScaleOutStorage start(Path work) throws Exception {
        if (!TestStorage.s3()) {
            return new ScaleOutStorage(null, List.of("--registry.storage.type=fs",
                    "--registry.data-dir=" + work.resolve("shared-data")));
        }
        S3ProxyServer s3 = S3ProxyServer.start();
        return new ScaleOutStorage(s3, TestStorage.s3Arguments(s3));
    }

    /** Registry arguments pointing a replica at the shared storage. */
    public List<String> arguments() {
        return arguments;
    }

    @Override
    public void close() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }
}
