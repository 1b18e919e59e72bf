package io.stevedore.registry.api;

import io.stevedore.registry.outages.Outage;
import io.stevedore.registry.outages.Outages;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Every error of the management API in one shape, {@code {"code":"CONFLICT","message":"..."}},
 * the code being the status's name: those it raises itself, and Spring MVC's own (no such
 * endpoint, method not allowed, unsupported media type, unreadable JSON). It also shapes the MVC
 * errors of the token and actuator endpoints; the distribution API has its own servlet and shape.
 */
@RestControllerAdvice
public class ApiErrors {
    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Map<String, Object>> refused(ApiException e) {
        return answer(e.status(), e.getMessage(), e.headers());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
        return answer(HttpStatus.BAD_REQUEST, "the request body is not the JSON this endpoint takes", Map.of());
    }

    /** Spring MVC's own errors carry their status; anything else is a bug, logged. */
    @ExceptionHandler(Exception.class)
    ResponseEntity<Map<String, Object>> other(Exception e) {
        if (e instanceof ErrorResponse mvc) {
            String detail = mvc.getBody().getDetail();
            Map<String, String> headers = new LinkedHashMap<>();
            mvc.getHeaders().forEach((name, values) -> headers.put(name, String.join(", ", values)));
            return answer(mvc.getStatusCode(), detail == null ? "request refused" : detail, headers);
        }
        Optional<Outage> outage = Outages.of(e);
        if (outage.isPresent()) {
            log.warn("request failed: {}", e.toString());
            return answer(HttpStatusCode.valueOf(outage.get().status()), outage.get().message(), outage.get().headers());
        }
        log.error("request failed", e);
        return answer(HttpStatus.INTERNAL_SERVER_ERROR, "internal error; the registry log has the details", Map.of());
    }

    private static ResponseEntity<Map<String, Object>> answer(HttpStatusCode status, String message,
                                                              Map<String, String> headers) {
        HttpStatus known = HttpStatus.resolve(status.value());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", known == null ? String.valueOf(status.value()) : known.name());
        body.put("message", message);
        ResponseEntity.BodyBuilder response = ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON);
        headers.forEach(response::header);
        return response.body(body);
    }
}
