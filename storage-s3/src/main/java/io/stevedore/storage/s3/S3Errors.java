package io.stevedore.storage.s3;

import java.io.IOException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The SDK throws unchecked exceptions; the BlobStore SPI speaks IOException. */
final class S3Errors {

    private S3Errors() {
    }

    static boolean isNotFound(SdkException e) {
        return hasStatus(e, 404);
    }

    static boolean hasStatus(SdkException e, int status) {
        return e instanceof S3Exception s3 && s3.statusCode() == status;
    }

    static IOException io(String what, SdkException e) {
        return new IOException("S3 " + what + " failed: " + e.getMessage(), e);
    }
}
