package io.stevedore.storage.s3;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Builds the SDK clients {@link S3BlobStore} needs from {@link S3Settings}.
 *
 * <p>The HTTP client is the SDK's Apache 5 one: a blocking client with a connection pool whose size
 * is set here, which suits streaming reads that each hold a connection for as long as a registry
 * client downloads. It is the SDK's default sync client and maintained; the Apache 4 client is
 * deprecated (its HttpClient 4.5 is end of life), and the JDK URLConnection client has no pool to
 * size and fewer knobs.
 */
public final class S3Clients {

    private S3Clients() {
    }

    /** The S3 client for these settings. */
    public static S3Client client(S3Settings settings) {
        return builder(settings).build();
    }

    /**
     * A builder preset from the settings, for callers that add to it (metrics, interceptors)
     * before building.
     */
    public static S3ClientBuilder builder(S3Settings settings) {
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials(settings))
                .forcePathStyle(settings.pathStyle())
                .httpClientBuilder(Apache5HttpClient.builder().maxConnections(settings.maxConnections()))
                // Since 2.30 the SDK adds a CRC32 to every upload, in a trailer of an aws-chunked
                // body. S3-compatible stores often refuse that (S3Proxy does), and on AWS itself
                // parts with a CRC32 in a multipart upload created without a checksum algorithm
                // fail at completion (aws-sdk-java-v2#6518). Checksums only where an operation
                // requires them: what guards a blob is the digest its commit verifies, over the
                // bytes received or, where this process did not see them all, over what S3 assembled.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        return builder;
    }

    /** Signs GET URLs for {@link S3BlobStore#redirect}; makes no requests itself. */
    public static S3Presigner presigner(S3Settings settings) {
        S3Presigner.Builder builder = S3Presigner.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials(settings))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).build());
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        if (settings.accessKey() != null) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()));
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
