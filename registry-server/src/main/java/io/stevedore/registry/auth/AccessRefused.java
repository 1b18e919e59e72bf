package io.stevedore.registry.auth;

import io.stevedore.registry.api.ApiException;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * A registry request refused for lack of access; the distribution API answers it with the
 * matching error code and these headers (the challenge, or Retry-After).
 *
 * @see AccessGate
 */
public class AccessRefused extends RuntimeException {

    /** UNAUTHORIZED (401: who are you?), DENIED (403: not you), TOO_MANY_REQUESTS (429). */
    public enum Kind { UNAUTHORIZED, DENIED, TOO_MANY_REQUESTS }

    private final Kind kind;
    private final Map<String, String> headers;
    private final Object detail;

    AccessRefused(Kind kind, String message, Map<String, String> headers, Object detail) {
        super(message);
        this.kind = kind;
        this.headers = Map.copyOf(headers);
        this.detail = detail;
    }

    public Kind kind() {
        return kind;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /**
     * This refusal in the {@code /api/v1} error shape: 401, 403 or 429 with the same headers.
     *
     * @param denied the message of a 403 (what the caller lacked, in the route's terms), or null for the gate's
     */
    public ApiException toApiException(String denied) {
        HttpStatus status = switch (kind) {
            case UNAUTHORIZED -> HttpStatus.UNAUTHORIZED;
            case DENIED -> HttpStatus.FORBIDDEN;
            case TOO_MANY_REQUESTS -> HttpStatus.TOO_MANY_REQUESTS;
        };
        return new ApiException(status, kind == Kind.DENIED && denied != null ? denied : getMessage(), headers);
    }

    /** What access was missing, for the error's {@code detail}; or null. */
    public Object detail() {
        return detail;
    }
}
