package io.stevedore.registry.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP proxy in front of a real registry that forwards every request, or fails it the way
 * the mode says: 429, 500, a blob cut off halfway through (the connection dropped before the
 * declared length), an answer held back until {@link #release()}, or a blob whose first half is
 * sent at once and the rest only after {@link #release()} (a slow upstream). It counts the requests it
 * saw per method and path, so tests can tell how often the cache went upstream.
 */
final class FaultyUpstream implements AutoCloseable {
    enum Mode { PASS, TOO_MANY_REQUESTS, SERVER_ERROR, CUT_BLOBS, HOLD, HOLD_BLOBS_HALFWAY }

    /** What happens to a blob body halfway through. */
    private enum Halfway { GO_ON, CUT, WAIT }

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "transfer-encoding",
            "keep-alive", "date");

    private final URI target;
    private final HttpServer server;
    private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private volatile Mode mode = Mode.PASS;
    private volatile CountDownLatch held = new CountDownLatch(0);

    FaultyUpstream(URI target) throws IOException {
        this.target = target;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void mode(Mode mode) {
        if (mode == Mode.HOLD || mode == Mode.HOLD_BLOBS_HALFWAY) {
            held = new CountDownLatch(1);
        }
        this.mode = mode;
    }

    /** Lets answers held back in {@link Mode#HOLD} go, and passes everything from now on. */
    void release() {
        mode = Mode.PASS;
        held.countDown();
    }

    /** How many requests of this method for this path (e.g. {@code /v2/a/b/blobs/sha256:...}) arrived. */
    int count(String method, String path) {
        AtomicInteger n = counts.get(method + " " + path);
        return n == null ? 0 : n.get();
    }

    /** Requests of all kinds so far. */
    int total() {
        return counts.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        counts.computeIfAbsent(exchange.getRequestMethod() + " " + path, k -> new AtomicInteger()).incrementAndGet();
        Mode now = mode;
        try (exchange) {
            switch (now) {
                case TOO_MANY_REQUESTS -> fail(exchange, 429, "TOOMANYREQUESTS", "rate limited by the fault proxy");
                case SERVER_ERROR -> fail(exchange, 500, "UNKNOWN", "failure injected by the fault proxy");
                case HOLD -> {
                    held.await(2, TimeUnit.MINUTES);
                    forward(exchange, Halfway.GO_ON);
                }
                case CUT_BLOBS -> forward(exchange, path.contains("/blobs/sha256:") ? Halfway.CUT : Halfway.GO_ON);
                case HOLD_BLOBS_HALFWAY -> forward(exchange, path.contains("/blobs/sha256:") ? Halfway.WAIT
                        : Halfway.GO_ON);
                case PASS -> forward(exchange, Halfway.GO_ON);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void fail(HttpExchange exchange, int status, String code, String message) throws IOException {
        byte[] body = ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private void forward(HttpExchange exchange, Halfway halfway) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
                .method(exchange.getRequestMethod(), exchange.getRequestMethod().equals("GET")
                        || exchange.getRequestMethod().equals("HEAD") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofInputStream(exchange::getRequestBody));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase()) && !name.equalsIgnoreCase("host")) {
                values.forEach(v -> request.header(name, v));
            }
        });
        HttpResponse<InputStream> response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        response.headers().map().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                exchange.getResponseHeaders().put(name, List.copyOf(values));
            }
        });
        long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        try (InputStream body = response.body()) {
            if (exchange.getRequestMethod().equals("HEAD")) {
                if (length >= 0) {
                    exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
                }
                exchange.sendResponseHeaders(response.statusCode(), -1);
                return;
            }
            exchange.sendResponseHeaders(response.statusCode(), length < 0 ? 0 : length == 0 ? -1 : length);
            OutputStream out = exchange.getResponseBody();
            if (halfway != Halfway.GO_ON && response.statusCode() == 200 && length > 1) {
                out.write(body.readNBytes((int) (length / 2)));
                out.flush();
                if (halfway == Halfway.CUT) {
                    throw new CutOff(); // closing the exchange short of its length drops the connection
                }
                held.await(2, TimeUnit.MINUTES);
            }
            body.transferTo(out);
        }
    }

    /** Ends the exchange without finishing the body; the server then drops the connection. */
    private static final class CutOff extends IOException {
    }

    @Override
    public void close() {
        held.countDown();
        server.stop(0);
    }
}
