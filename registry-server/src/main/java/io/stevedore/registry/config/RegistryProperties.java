package io.stevedore.registry.config;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The operator's settings under {@code registry.*}; each also binds from the environment
 * ({@code REGISTRY_DATA_DIR}, {@code REGISTRY_STORAGE_TYPE}, ...).
 *
 * @param dataDir  where the embedded default keeps blobs and its PostgreSQL
 * @param storage  which blob store
 * @param auth     authentication (the auth issue gives it meaning; accepted now)
 */
@ConfigurationProperties("registry")
public record RegistryProperties(@DefaultValue("./data") Path dataDir,
                                 @DefaultValue Storage storage,
                                 @DefaultValue Auth auth,
                                 @DefaultValue EmbeddedPostgres embeddedPostgres) {

    public enum StorageType { FS, S3 }

    /**
     * @param type           fs (default) or s3
     * @param s3             the bucket, when type is s3
     * @param uploadTimeout  an upload session idle this long is cancelled and its bytes removed
     */
    public record Storage(@DefaultValue("fs") StorageType type, @DefaultValue S3 s3,
                          @DefaultValue("24h") Duration uploadTimeout) {
    }

    /**
     * An S3 bucket (AWS S3, MinIO, S3Proxy, ...).
     *
     * @param endpoint  the S3 API's URL; unset means AWS's endpoint for the region
     * @param region    the signing region
     * @param accessKey with secretKey: static credentials; unset means AWS's default credential chain
     * @param pathStyle path-style URLs (MinIO, S3Proxy) instead of virtual-hosted buckets
     * @param prefix    a key prefix, to share a bucket
     * @param partSize  multipart upload part size (S3's minimum is 5 MiB)
     * @param redirect  answer blob GETs with 307 to a presigned URL instead of streaming through
     */
    public record S3(String endpoint, @DefaultValue("us-east-1") String region, String bucket, String accessKey,
                     String secretKey, @DefaultValue("false") boolean pathStyle, @DefaultValue("") String prefix,
                     @DefaultValue("8MB") DataSize partSize,
                     @DefaultValue("false") boolean redirect) {
    }

    /** @param adminPassword the admin user's password, set at start-up */
    public record Auth(String adminPassword) {
    }

    /**
     * The PostgreSQL the registry starts itself when no {@code spring.datasource.url} is given.
     *
     * @param port  0 picks a free loopback port at each start
     * @param runAs the account PostgreSQL runs under when the registry runs as root (PostgreSQL
     *              refuses to run as root)
     */
    public record EmbeddedPostgres(@DefaultValue("0") int port, @DefaultValue("nobody") String runAs) {
    }
}
