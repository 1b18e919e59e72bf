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

    HttpStatus status() {
        return status;
    }

    Map<String, String> headers() {
        return headers;
    }
}
