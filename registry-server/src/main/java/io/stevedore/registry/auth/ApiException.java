package io.stevedore.registry.auth;

import java.util.Map;
import org.springframework.http.HttpStatus;

/** A management API request refused; {@link ApiErrors} answers it as {@code {"code","message"}}. */
class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final Map<String, String> headers;

    ApiException(HttpStatus status, String message, Map<String, String> headers) {
        super(message);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    ApiException(HttpStatus status, String message) {
        this(status, message, Map.of());
    }

    static ApiException badRequest(String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, message);
    }

    static ApiException forbidden(String message) {
        return new ApiException(HttpStatus.FORBIDDEN, message);
    }

    static ApiException notFound(String message) {
        return new ApiException(HttpStatus.NOT_FOUND, message);
    }

    static ApiException conflict(String message) {
        return new ApiException(HttpStatus.CONFLICT, message);
    }

    HttpStatus status() {
        return status;
    }

    Map<String, String> headers() {
        return headers;
    }
}
