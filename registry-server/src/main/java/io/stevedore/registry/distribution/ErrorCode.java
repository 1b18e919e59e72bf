package io.stevedore.registry.distribution;

/** The distribution spec's error codes, with the status each is answered with by default. */
public enum ErrorCode {
    BLOB_UNKNOWN(404, "blob unknown to registry"),
    BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
    BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
    DIGEST_INVALID(400, "provided digest did not match uploaded content"),
    MANIFEST_BLOB_UNKNOWN(400, "manifest references a manifest or blob unknown to registry"),
    MANIFEST_INVALID(400, "manifest invalid"),
    MANIFEST_UNKNOWN(404, "manifest unknown to registry"),
    NAME_INVALID(400, "invalid repository name"),
    NAME_UNKNOWN(404, "repository name not known to registry"),
    SIZE_INVALID(400, "provided length did not match content length"),
    UNAUTHORIZED(401, "authentication required"),
    DENIED(403, "requested access to the resource is denied"),
    UNSUPPORTED(405, "the operation is unsupported"),
    TOOMANYREQUESTS(429, "too many requests"),
    /**
     * Not in the OCI spec; CNCF Distribution's code for a registry that cannot serve now (database,
     * storage) and for an upstream a pull-through cache cannot reach.
     */
    UNAVAILABLE(503, "service unavailable"),
    UNKNOWN(500, "unknown error");

    private final int status;
    private final String message;

    ErrorCode(int status, String message) {
        this.status = status;
        this.message = message;
    }

    public int status() {
        return status;
    }

    public String message() {
        return message;
    }

    /** The code for an error status the container raised on its own, with no more to go on. */
    public static ErrorCode forStatus(int status) {
        return switch (status) {
            case 400 -> NAME_INVALID;
            case 401 -> UNAUTHORIZED;
            case 403 -> DENIED;
            case 404 -> NAME_UNKNOWN;
            case 413 -> SIZE_INVALID;
            case 429 -> TOOMANYREQUESTS;
            default -> status >= 500 ? UNKNOWN : UNSUPPORTED;
        };
    }
}
