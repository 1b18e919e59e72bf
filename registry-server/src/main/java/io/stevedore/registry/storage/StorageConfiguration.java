package io.stevedore.registry.storage;

import io.stevedore.registry.config.RegistryProperties;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.fs.FsBlobStore;
import java.io.IOException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

    @Bean
    BlobStore blobStore(RegistryProperties properties) throws IOException {
        return switch (properties.storage().type()) {
            case FS -> new FsBlobStore(properties.dataDir().resolve("storage"));
            case S3 -> throw new IllegalStateException(
                    "registry.storage.type=s3 is not available in this version; use fs");
        };
    }
}
