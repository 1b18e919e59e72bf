package io.stevedore.builder.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.stevedore.json.Json;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/** The registry's side of the worker protocol, played in-process for one job: just enough to drive a JobRun. */
final class FakeWorkerRegistry implements AutoCloseable {
    final HttpServer server;
    final List<String> logLines = Collections.synchronizedList(new ArrayList<>());
    final List<String> heartbeatSteps = Collections.synchronizedList(new ArrayList<>());
    final CompletableFuture<JsonNode> finished = new CompletableFuture<>();
    final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
    volatile byte[] context = new byte[0];
    volatile long contextDelayMillis;
    volatile Supplier<Integer> heartbeatStatus = () -> 200;
    volatile boolean cancel;

    FakeWorkerRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/api/v1/worker/jobs/", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (path.endsWith("/context")) {
                sleep(contextDelayMillis);
                exchange.sendResponseHeaders(200, context.length);
                exchange.getResponseBody().write(context);
            } else if (path.endsWith("/log")) {
                String text = new String(body, StandardCharsets.UTF_8);
                logLines.addAll(List.of(text.substring(0, text.length() - 1).split("\n", -1)));
                exchange.sendResponseHeaders(204, -1);
            } else if (path.endsWith("/heartbeat")) {
                heartbeatSteps.add(Json.MAPPER.readTree(body).path("step").asString());
                int status = heartbeatStatus.get();
                byte[] answer = ("{\"cancel\":" + cancel + "}").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, status == 200 ? answer.length : -1);
                if (status == 200) {
                    exchange.getResponseBody().write(answer);
                }
            } else if (path.endsWith("/finish")) {
                finished.complete(Json.MAPPER.readTree(body));
                exchange.sendResponseHeaders(204, -1);
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
