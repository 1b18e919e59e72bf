package io.stevedore.registry;

import io.stevedore.storage.s3.S3ProxyServer;
import java.util.List;

/** Which storage the registry under test uses: {@code -Dstevedore.test.storage=fs|s3} (default fs). */
public final class TestStorage {
    private TestStorage() {
    }

    public static boolean s3() {
        return "s3".equals(System.getProperty("stevedore.test.storage", "fs"));
    }

    /**
     * Registry arguments for a fresh bucket of {@code s3}, with the smallest part size S3 allows so
     * that tests reach the multipart paths with little data.
     */
    public static List<String> s3Arguments(S3ProxyServer s3) {
        return List.of("--registry.storage.type=s3",
                "--registry.storage.s3.endpoint=" + s3.endpoint(),
                "--registry.storage.s3.bucket=" + s3.createBucket(),
                "--registry.storage.s3.region=" + S3ProxyServer.REGION,
                "--registry.storage.s3.access-key=" + S3ProxyServer.ACCESS_KEY,
                "--registry.storage.s3.secret-key=" + S3ProxyServer.SECRET_KEY,
                "--registry.storage.s3.path-style=true",
                "--registry.storage.s3.part-size=5MB");
    }
}
