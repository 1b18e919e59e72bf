package io.stevedore.registry.config;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

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

    /** @param type fs (default) or s3 */
    public record Storage(@DefaultValue("fs") StorageType type) {
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
