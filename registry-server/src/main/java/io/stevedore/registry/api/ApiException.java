package io.stevedore.registry.api;

import java.util.Map;
import org.springframework.http.HttpStatus;

/** An /api/v1 request refused; {@link ApiErrors} answers it as {@code {"code","message"}}. */
public class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final Map<String, String> headers;

    public ApiException(HttpStatus status, String message, Map<String, String> headers) {
        super(message);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    public ApiException(HttpStatus status, String message) {
        this(status, message, Map.of());
    }

    public static ApiException badRequest(String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(HttpStatus.FORBIDDEN, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(HttpStatus.NOT_FOUND, message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(HttpStatus.CONFLICT, message);
    }

    public HttpStatus status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
