package io.stevedore.registry.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * HTTP/1.1 over a plain socket, for request lines no well-behaved client sends (Java's HTTP
 * client refuses {@code %zz}, spaces, raw {@code ..} segments and unknown methods), and the
 * check every error answer of the {@code /v2/} API has to pass.
 */
final class RawHttp {
    /** What a stack trace or a leaked exception looks like in a body. */
    private static final Pattern LEAK = Pattern.compile(
            "(?:\\bat [a-z][\\w$]*(?:\\.[\\w$]+)+\\(|\\b(?:java|javax|jakarta|org\\.apache|org\\.springframework|io\\.stevedore)\\.[a-z]"
                    + "|Exception\\b|<html|Whitelabel)", Pattern.CASE_INSENSITIVE);

    private final URI base;

    RawHttp(URI base) {
        this.base = base;
    }

    /** One answer: status, headers (names lower-cased) and the body. */
    record Answer(String request, int status, Map<String, String> headers, byte[] body) {

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return request.strip() + " -> " + status + " " + headers.get("content-type") + " " + text();
        }
    }

    /** Sends {@code method target HTTP/1.1} with the given extra header lines and body. */
    Answer send(String method, String target, byte[] body, String... headerLines) {
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n")
                .append("Connection: close\r\n");
        for (String line : headerLines) {
            head.append(line).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                socket.getOutputStream().write(body);
            }
            socket.getOutputStream().flush();
            return parse(method + " " + target, socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + target, e);
        }
    }

    Answer get(String target) {
        return send("GET", target, null);
    }

    private static Answer parse(String request, InputStream in) throws IOException {
        byte[] all = in.readAllBytes();
        String text = new String(all, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        assertThat(end).as("a complete response head for %s: %s", request, text).isPositive();
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        byte[] body = java.util.Arrays.copyOfRange(all, end + 4, all.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = unchunk(body);
        }
        return new Answer(request, status, headers, body);
    }

    private static byte[] unchunk(byte[] chunked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (at < chunked.length) {
            int lineEnd = indexOfCrlf(chunked, at);
            int size = Integer.parseInt(new String(chunked, at, lineEnd - at, StandardCharsets.US_ASCII).split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            out.write(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOfCrlf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length - 1; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                return i;
            }
        }
        return bytes.length;
    }

    /**
     * A 4xx answered as the distribution spec wants errors: JSON {@code {"errors":[{"code":…,
     * "message":…}]}} with a known code, and nothing of the server's insides in it.
     */
    static void assertOciError(int status, String contentType, byte[] body, String what) {
        String text = new String(body, StandardCharsets.UTF_8);
        assertThat(status).as("status of %s: %s", what, text).isBetween(400, 499);
        assertThat(contentType).as("content type of %s: %s", what, text).startsWith("application/json");
        assertNoLeak(text, what);
        JsonNode errors;
        try {
            errors = Json.MAPPER.readTree(body).get("errors");
        } catch (RuntimeException e) {
            throw new AssertionError("no JSON error body from " + what + ": " + text, e);
        }
        assertThat(errors != null && errors.isArray() && !errors.isEmpty()).as("errors array of %s: %s", what, text)
                .isTrue();
        for (JsonNode error : errors) {
            assertThat(error.path("code").isString()).as("code of %s: %s", what, text).isTrue();
            assertThat(error.path("code").stringValue()).as("code of %s", what).matches("[A-Z_]+");
            assertThat(error.path("message").isString()).as("message of %s: %s", what, text).isTrue();
        }
    }

    static void assertOciError(Answer answer) {
        assertOciError(answer.status(), answer.headers().get("content-type"), answer.body(), answer.request());
    }

    /** No stack trace, Java class name or HTML error page in what a client gets. */
    static void assertNoLeak(String body, String what) {
        assertThat(LEAK.matcher(body).find()).as("server internals in the answer to %s: %s", what, body).isFalse();
    }
}
