package io.stevedore.storage.s3;

import java.net.URI;
import java.util.Objects;

/**
 * Where and how {@link S3BlobStore} keeps blobs.
 *
 * @param endpoint               an S3-compatible endpoint (MinIO, S3Proxy, ...), or null for AWS itself
 * @param region                 the bucket's region (S3-compatible stores usually accept {@code us-east-1})
 * @param bucket                 the bucket, which must exist
 * @param accessKey              with {@code secretKey}, fixed credentials; both null for the AWS default
 *                               credentials provider chain (environment, profile, web identity, instance role)
 * @param secretKey              see {@code accessKey}
 * @param pathStyle              {@code endpoint/bucket/key} rather than {@code bucket.endpoint/key}, as most
 *                               S3-compatible stores need
 * @param prefix                 a key prefix under which everything lives ({@code ""} for the bucket's root);
 *                               normalised to end with {@code /}
 * @param partSize               the size of every multipart part but the last, also the most a writer holds in
 *                               memory; at least S3's minimum of 5 MiB. All parts but the last have exactly this
 *                               size, because some S3-compatible stores reject parts of differing sizes
 *                               (harbor#22063, R2's InvalidPart). With 10,000 parts at most, it also bounds the
 *                               largest blob: 10,000 times this (78 GiB at the default).
 * @param multipartCopyThreshold blobs larger than this are copied into place part by part; a single CopyObject
 *                               fails above 5 GiB (distribution#886), so this is at most 5 GiB
 * @param maxConnections         the HTTP connection pool's size; every blob being read holds one until its
 *                               stream is closed
 * @param redirects              offer presigned GET URLs ({@link S3BlobStore#redirect}), so blob bytes can flow
 *                               from the bucket and not through the registry; off, the store offers none
 */
public record S3Settings(
        URI endpoint,
        String region,
        String bucket,
        String accessKey,
        String secretKey,
        boolean pathStyle,
        String prefix,
        long partSize,
        long multipartCopyThreshold,
        int maxConnections,
        boolean redirects) {

    public static final long MIB = 1024 * 1024;
    public static final long GIB = 1024 * MIB;
    /** S3 refuses smaller parts (other than the last). */
    public static final long MIN_PART_SIZE = 5 * MIB;
    public static final long DEFAULT_PART_SIZE = 8 * MIB;
    /** Parts are gathered in memory, in one array. */
    public static final long MAX_PART_SIZE = 1 * GIB;
    /** The largest object a single CopyObject can copy. */
    public static final long MAX_SINGLE_COPY = 5 * GIB;
    public static final long DEFAULT_MULTIPART_COPY_THRESHOLD = MAX_SINGLE_COPY;
    public static final int DEFAULT_MAX_CONNECTIONS = 200;

    public S3Settings {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(bucket, "bucket");
        if (region.isBlank() || bucket.isBlank()) {
            throw new IllegalArgumentException("S3 region and bucket must not be blank");
        }
        if ((accessKey == null) != (secretKey == null)) {
            throw new IllegalArgumentException("S3 access key and secret key go together: give both or neither");
        }
        prefix = normalisePrefix(prefix);
        if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
            throw new IllegalArgumentException("S3 part size must be between 5 MiB and 1 GiB, not " + partSize);
        }
        if (multipartCopyThreshold < 0 || multipartCopyThreshold > MAX_SINGLE_COPY) {
            throw new IllegalArgumentException("S3 multipart copy threshold must be between 0 and 5 GiB, not "
                    + multipartCopyThreshold);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("S3 max connections must be positive");
        }
    }

    /** AWS S3 in {@code region}, default credentials, virtual-hosted style, defaults for the rest. */
    public static S3Settings of(String region, String bucket) {
        return new S3Settings(null, region, bucket, null, null, false, "", DEFAULT_PART_SIZE,
                DEFAULT_MULTIPART_COPY_THRESHOLD, DEFAULT_MAX_CONNECTIONS, false);
    }

    public S3Settings withEndpoint(URI newEndpoint) {
        return new S3Settings(newEndpoint, region, bucket, accessKey, secretKey, pathStyle, prefix, partSize,
                multipartCopyThreshold, maxConnections, redirects);
    }

    public S3Settings withCredentials(String newAccessKey, String newSecretKey) {
        return new S3Settings(endpoint, region, bucket, newAccessKey, newSecretKey, pathStyle, prefix, partSize,
                multipartCopyThreshold, maxConnections, redirects);
    }

    public S3Settings withPathStyle(boolean newPathStyle) {
        return new S3Settings(endpoint, region, bucket, accessKey, secretKey, newPathStyle, prefix, partSize,
                multipartCopyThreshold, maxConnections, redirects);
    }

    public S3Settings withPrefix(String newPrefix) {
        return new S3Settings(endpoint, region, bucket, accessKey, secretKey, pathStyle, newPrefix, partSize,
                multipartCopyThreshold, maxConnections, redirects);
    }

    public S3Settings withPartSize(long newPartSize) {
        return new S3Settings(endpoint, region, bucket, accessKey, secretKey, pathStyle, prefix, newPartSize,
                multipartCopyThreshold, maxConnections, redirects);
    }

    public S3Settings withMultipartCopyThreshold(long newThreshold) {
        return new S3Settings(endpoint, region, bucket, accessKey, secretKey, pathStyle, prefix, partSize,
                newThreshold, maxConnections, redirects);
    }

    public S3Settings withMaxConnections(int newMaxConnections) {
        return new S3Settings(endpoint, region, bucket, accessKey, secretKey, pathStyle, prefix, partSize,
                multipartCopyThreshold, newMaxConnections, redirects);
    }

    public S3Settings withRedirects(boolean newRedirects) {
        return new S3Settings(endpoint, region, bucket, accessKey, secretKey, pathStyle, prefix, partSize,
                multipartCopyThreshold, maxConnections, newRedirects);
    }

    /** Never prints the secret key (settings end up in logs and error messages). */
    @Override
    public String toString() {
        return "S3Settings[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket
                + ", accessKey=" + (accessKey == null ? "(default chain)" : accessKey)
                + ", secretKey=" + (secretKey == null ? "null" : "****")
                + ", pathStyle=" + pathStyle + ", prefix=" + prefix + ", partSize=" + partSize
                + ", multipartCopyThreshold=" + multipartCopyThreshold + ", maxConnections=" + maxConnections
                + ", redirects=" + redirects + "]";
    }

    private static String normalisePrefix(String prefix) {
        if (prefix == null || prefix.isEmpty() || prefix.equals("/")) {
            return "";
        }
        String trimmed = prefix.startsWith("/") ? prefix.substring(1) : prefix;
        for (String segment : trimmed.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("S3 key prefix must not contain . or .. segments: " + prefix);
            }
        }
        if (trimmed.contains("//")) {
            throw new IllegalArgumentException("S3 key prefix must not contain empty segments: " + prefix);
        }
        return trimmed.endsWith("/") ? trimmed : trimmed + "/";
    }
}
