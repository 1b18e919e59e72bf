package io.stevedore.storage.s3;

import io.stevedore.storage.StorageUnavailableException;
import java.io.IOException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The SDK throws unchecked exceptions; the BlobStore SPI speaks IOException. */
final class S3Errors {

    private S3Errors() {
    }

    static boolean isNotFound(SdkException e) {
        return hasStatus(e, 404);
    }

    /**
     * The multipart upload or its parts are gone: AWS answers NoSuchUpload (404), S3Proxy
     * InvalidPart (400) for a completed upload's parts.
     */
    static boolean isMultipartUploadGone(SdkException e) {
        if (isNotFound(e)) {
            return true;
        }
        return e instanceof S3Exception s3 && s3.awsErrorDetails() != null
                && "InvalidPart".equals(s3.awsErrorDetails().errorCode());
    }

    static boolean hasStatus(SdkException e, int status) {
        return e instanceof S3Exception s3 && s3.statusCode() == status;
    }

    /** Failures the same request may not meet later (5xx, throttling, no connection) are unavailability. */
    static IOException io(String what, SdkException e) {
        String message = "S3 " + what + " failed: " + e.getMessage();
        return isTransient(e) ? new StorageUnavailableException(message, e) : new IOException(message, e);
    }

    static boolean isTransient(SdkException e) {
        if (e instanceof S3Exception s3) {
            return s3.statusCode() >= 500 || s3.statusCode() == 429 || s3.isThrottlingException();
        }
        return e instanceof SdkClientException || e.retryable();
    }
}
