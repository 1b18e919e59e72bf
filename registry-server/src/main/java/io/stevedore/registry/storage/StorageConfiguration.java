package io.stevedore.registry.storage;

import io.stevedore.registry.config.RegistryProperties;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.fs.FsBlobStore;
import io.stevedore.storage.s3.S3BlobStore;
import io.stevedore.storage.s3.S3Settings;
import java.io.IOException;
import java.net.URI;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

/**
 * The blob store {@code registry.storage.type} names; closed with the context. The only code that
 * knows the concrete stores: the rest of the server sees {@link BlobStore} and the optional
 * capabilities a store may implement ({@code LocalFiles}, {@code Redirects}, {@code StaleUploads}),
 * switched on or off here through the store's own settings.
 */
@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

    @Bean
    BlobStore blobStore(RegistryProperties properties) throws IOException {
        return switch (properties.storage().type()) {
            case FS -> new FsBlobStore(properties.dataDir().resolve("storage"));
            case S3 -> S3BlobStore.create(s3Settings(properties.storage().s3()));
        };
    }

    static S3Settings s3Settings(RegistryProperties.S3 s3) {
        if (!StringUtils.hasText(s3.bucket())) {
            throw new IllegalStateException("registry.storage.type=s3 needs registry.storage.s3.bucket");
        }
        if (StringUtils.hasText(s3.accessKey()) != StringUtils.hasText(s3.secretKey())) {
            throw new IllegalStateException("registry.storage.s3.access-key and secret-key go together: "
                    + "give both, or neither for the AWS default credential chain");
        }
        S3Settings settings = S3Settings.of(s3.region(), s3.bucket())
                .withPathStyle(s3.pathStyle())
                .withPrefix(s3.prefix())
                .withPartSize(s3.partSize().toBytes())
                .withRedirects(s3.redirect());
        if (StringUtils.hasText(s3.endpoint())) {
            settings = settings.withEndpoint(URI.create(s3.endpoint()));
        }
        if (StringUtils.hasText(s3.accessKey())) {
            settings = settings.withCredentials(s3.accessKey(), s3.secretKey());
        }
        return settings;
    }
}
