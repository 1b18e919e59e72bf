package io.stevedore.storage.s3;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The BlobStore contract and the S3-specific behaviour, against S3Proxy in this JVM. */
class S3BlobStoreTest extends S3StoreBehaviour {

    private static S3ProxyServer s3;
    private static String bucket;

    @BeforeAll
    static void startS3Proxy() throws Exception {
        s3 = S3ProxyServer.start();
        bucket = s3.createBucket();
    }

    @AfterAll
    static void stopS3Proxy() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    @Override
    protected S3Settings bucketSettings() {
        return s3.settings(bucket);
    }
}
