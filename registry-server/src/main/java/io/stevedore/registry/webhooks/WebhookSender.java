package io.stevedore.registry.webhooks;

import io.stevedore.registry.config.RegistryProperties;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * Sends one attempt of a delivery: a signed POST with connect and read timeouts, redirects not
 * followed (a 3xx is a failure: a signed body is for the URL configured), and of the response
 * only the status code and the first {@value #BODY_PREFIX} bytes kept.
 */
@Component
class WebhookSender {
    static final int BODY_PREFIX = 512;
    private static final int MAX_ERROR = 500;

    /** The attempt's result; {@code responseCode} null when no response came. */
    record Outcome(Integer responseCode, String error, String responseBody, boolean interrupted) {
        boolean succeeded() {
            return responseCode != null && responseCode >= 200 && responseCode < 300;
        }
    }

    private final HttpClient http;
    private final Duration readTimeout;
    private final WebhookTargets targets;
    /** Closes a response body that trickles in slower than the read timeout allows. */
    private final ScheduledExecutorService bodyDeadlines = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("webhook-body-deadline").factory());

    WebhookSender(RegistryProperties properties, WebhookTargets targets) {
        RegistryProperties.Webhooks settings = properties.webhooks();
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.connectTimeout()).build();
        this.readTimeout = settings.readTimeout();
        this.targets = targets;
    }

    Outcome send(DeliveryStore.Claimed delivery) {
        URI url = URI.create(delivery.url());
        Optional<String> refused = targets.refusal(url);
        if (refused.isPresent()) {
            return new Outcome(null, refused.get(), null, false);
        }
        if (delivery.secret() == null) {
            return new Outcome(null, "the webhook's secret cannot be opened: was registry.builds.secret-key changed,"
                    + " or do replicas not share it?", null, false);
        }
        byte[] body = delivery.payload().getBytes(StandardCharsets.UTF_8);
        long timestamp = Instant.now().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(url).timeout(readTimeout)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json")
                .header("User-Agent", "Stevedore-Webhooks/1")
                .header(WebhookSignature.EVENT_HEADER, delivery.eventType())
                .header(WebhookSignature.DELIVERY_HEADER, String.valueOf(delivery.id()))
                .header(WebhookSignature.TIMESTAMP_HEADER, String.valueOf(timestamp))
                .header(WebhookSignature.BODY_HEADER, WebhookSignature.sign(delivery.secret(), body))
                .header(WebhookSignature.TIMESTAMPED_HEADER,
                        WebhookSignature.signTimestamped(delivery.secret(), timestamp, body))
                .build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            String prefix = prefixOf(response.body());
            int code = response.statusCode();
            String error = code >= 300 && code < 400 ? "redirects are not followed (" + code + ")"
                    : code >= 400 || code < 200 ? "the receiver answered " + code : null;
            return new Outcome(code, error, prefix, false);
        } catch (HttpConnectTimeoutException e) {
            return new Outcome(null, "connect timed out", null, false);
        } catch (HttpTimeoutException e) {
            return new Outcome(null, "no response within " + readTimeout.toMillis() + " ms", null, false);
        } catch (ConnectException e) {
            return new Outcome(null, clip("could not connect: " + e), null, false);
        } catch (IOException | IllegalArgumentException e) {
            return new Outcome(null, clip(e.toString()), null, false);
        } catch (InterruptedException e) {
            // not re-asserted: the deliverer still records this attempt, then its thread ends
            return new Outcome(null, "interrupted: the registry stopped", null, true);
        }
    }

    private String prefixOf(InputStream in) {
        ScheduledFuture<?> deadline = bodyDeadlines.schedule(() -> closeQuietly(in), readTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
        try (in) {
            // PostgreSQL text holds no NUL
            return new String(in.readNBytes(BODY_PREFIX), StandardCharsets.UTF_8).replace("\u0000", "");
        } catch (IOException e) {
            return null;
        } finally {
            deadline.cancel(false);
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // the attempt is judged by its status code already
        }
    }

    private static String clip(String text) {
        return text.length() <= MAX_ERROR ? text : text.substring(0, MAX_ERROR);
    }

    void close() {
        bodyDeadlines.shutdownNow();
        http.shutdownNow();
    }
}
