package io.stevedore.client;

/**
 * A registry call that failed: the HTTP status (0 when no answer came), the first OCI error code
 * of the body (null when there was none) and a message that says what was being done.
 */
public class RegistryClientException extends RuntimeException {
    private final int status;
    private final String errorCode;

    public RegistryClientException(String message, int status, String errorCode) {
        this(message, status, errorCode, null);
    }

    public RegistryClientException(String message, int status, String errorCode, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    /** The HTTP status, or 0 when the registry did not answer. */
    public int status() {
        return status;
    }

    /** The OCI error code ({@code MANIFEST_UNKNOWN}, {@code DENIED}, ...), or null. */
    public String errorCode() {
        return errorCode;
    }
}
