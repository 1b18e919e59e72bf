package io.stevedore.storage.s3;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartCopyResponse;

/**
 * Copies an object within the bucket, server-side. A single CopyObject fails above 5 GiB
 * (distribution#886), so above the threshold the copy is a multipart upload whose parts are
 * byte ranges of the source (UploadPartCopy). Either way the target appears whole or not at all.
 */
final class ObjectCopier {
    /** Fewer, larger ranges: each is one request, done one after another. */
    private static final int TARGET_COPY_PARTS = 100;

    private final S3Client s3;
    private final String bucket;
    private final long threshold;
    private final long partSize;

    ObjectCopier(S3Client s3, String bucket, long threshold, long partSize) {
        this.s3 = s3;
        this.bucket = bucket;
        this.threshold = threshold;
        this.partSize = partSize;
    }

    void copy(String sourceKey, String targetKey, long size) {
        if (size <= threshold) {
            s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(sourceKey)
                    .destinationBucket(bucket).destinationKey(targetKey));
        } else {
            multipartCopy(sourceKey, targetKey, size);
        }
    }

    /**
     * The size of every copied range but the last: uniform like upload parts, at least one part
     * (S3's 5 MiB minimum holds), and large enough that about 100 requests do it. At most 5 GiB,
     * the limit of one range, as long as blobs stay under 500 GiB.
     */
    static long copyPartSize(long size, long partSize) {
        long forTarget = Math.ceilDiv(size, TARGET_COPY_PARTS);
        return Math.min(S3Settings.MAX_SINGLE_COPY, Math.max(partSize, Math.ceilDiv(forTarget, S3Settings.MIB) * S3Settings.MIB));
    }

    private void multipartCopy(String sourceKey, String targetKey, long size) {
        long piece = copyPartSize(size, partSize);
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(targetKey)
                .contentType(S3UploadWriter.CONTENT_TYPE)).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            int number = 1;
            for (long first = 0; first < size; first += piece, number++) {
                String range = "bytes=" + first + "-" + (Math.min(size, first + piece) - 1);
                int partNumber = number;
                UploadPartCopyResponse copied = s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(sourceKey)
                        .destinationBucket(bucket).destinationKey(targetKey)
                        .uploadId(uploadId).partNumber(partNumber).copySourceRange(range));
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(copied.copyPartResult().eTag()).build());
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(targetKey).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
        } catch (SdkException e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(targetKey).uploadId(uploadId));
            } catch (SdkException suppressed) {
                e.addSuppressed(suppressed); // the janitor aborts it later
            }
            throw e;
        }
    }
}
