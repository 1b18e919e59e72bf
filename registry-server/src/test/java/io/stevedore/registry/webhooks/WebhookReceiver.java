package io.stevedore.registry.webhooks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.stevedore.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/**
 * A webhook receiver on 127.0.0.1 (the JDK's HTTP server): keeps every request, and answers
 * them as scripted (a status code, or {@link #HANG}: no answer until closed), then 200.
 */
final class WebhookReceiver implements AutoCloseable {
    /** Answers nothing until the receiver closes, so the registry's read timeout fires. */
    static final int HANG = -1;

    /** One request as received: its headers and its exact body. */
    record Received(Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst()).findFirst().orElse(null);
        }

        JsonNode json() {
            return Json.MAPPER.readTree(body);
        }
    }

    private final HttpServer server;
    private final Queue<Integer> script = new ArrayDeque<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);

    private WebhookReceiver(int port) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    static WebhookReceiver start() {
        return new WebhookReceiver(0);
    }

    /** Starts on a port chosen earlier (with {@link #freePort()}), where nothing listened until now. */
    static WebhookReceiver startOn(int port) {
        return new WebhookReceiver(port);
    }

    /** A port nothing listens on now, for a receiver that is down at first. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** The next requests are answered with these statuses (or {@link #HANG}), in order. */
    synchronized WebhookReceiver answering(Integer... statuses) {
        script.addAll(List.of(statuses));
        return this;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** Waits (at most a minute) until a request matching {@code which} has come, and returns the first. */
    Received await(Predicate<Received> which) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (Instant.now().isBefore(deadline)) {
            for (Received request : received) {
                if (which.test(request)) {
                    return request;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no matching webhook request within a minute; received " + received.size()
                + ": " + received.stream().map(r -> new String(r.body(), StandardCharsets.UTF_8)).toList());
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        received.add(new Received(Map.copyOf(exchange.getRequestHeaders()), body));
        Integer status;
        synchronized (this) {
            status = script.poll();
        }
        if (status != null && status == HANG) {
            try {
                closed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        byte[] answer = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status == null ? 200 : status, answer.length);
        exchange.getResponseBody().write(answer);
        exchange.close();
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
    }
}
