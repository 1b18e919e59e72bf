package io.stevedore.registry.webhooks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.stevedore.registry.config.RegistryProperties;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Delivers webhooks on this replica: claims due deliveries from PostgreSQL (every replica runs
 * one; {@code SKIP LOCKED} keeps them apart), sends each in a virtual thread, and records the
 * attempt and the next one (exponential backoff: {@code retry-delay}, 3 times longer each time,
 * at most {@code max-retry-delay}, until {@code max-attempts} or {@code max-age}). Delivery is
 * at least once: a replica that dies after sending but before recording sends again later.
 */
@Component
class WebhookDeliverer implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(WebhookDeliverer.class);
    private static final int BACKOFF_FACTOR = 3;

    private final DeliveryStore store;
    private final WebhookSender sender;
    private final RegistryProperties.Webhooks settings;
    /** A claim outlives the longest attempt (connect, response, body prefix) with a margin. */
    private final Duration lease;
    private final Semaphore slots;
    private final Object signal = new Object();
    private boolean woken;
    private volatile boolean running;
    private Thread poller;
    private ExecutorService attempts;

    private final Counter succeededAttempts;
    private final Counter failedAttempts;
    private final Counter succeeded;
    private final Counter failed;
    private final Timer latency;

    WebhookDeliverer(DeliveryStore store, WebhookSender sender, RegistryProperties properties, MeterRegistry meters) {
        this.store = store;
        this.sender = sender;
        this.settings = properties.webhooks();
        this.lease = settings.connectTimeout().plus(settings.readTimeout()).multipliedBy(2).plusSeconds(5);
        this.slots = new Semaphore(Math.max(1, settings.concurrency()));
        this.succeededAttempts = Counter.builder("stevedore.webhooks.attempts").tag("result", "success")
                .description("webhook requests answered 2xx").register(meters);
        this.failedAttempts = Counter.builder("stevedore.webhooks.attempts").tag("result", "failure")
                .description("webhook requests that failed (no answer, or not 2xx)").register(meters);
        this.succeeded = Counter.builder("stevedore.webhooks.deliveries").tag("status", "succeeded")
                .description("deliveries that ended delivered").register(meters);
        this.failed = Counter.builder("stevedore.webhooks.deliveries").tag("status", "failed")
                .description("deliveries given up after their last attempt").register(meters);
        this.latency = Timer.builder("stevedore.webhooks.latency").description("duration of webhook requests")
                .register(meters);
        Gauge.builder("stevedore.webhooks.pending", store, DeliveryStore::pending)
                .description("deliveries waiting for an attempt, on every replica").register(meters);
    }

    /** There may be new due deliveries: look now instead of at the next poll. */
    void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    private void loop() {
        while (running) {
            try {
                int free = slots.availablePermits();
                boolean full = false;
                if (free > 0) {
                    int expired = store.expire(settings.maxAttempts(), settings.maxAge());
                    failed.increment(expired);
                    List<DeliveryStore.Claimed> claimed = store.claim(free, lease);
                    for (DeliveryStore.Claimed delivery : claimed) {
                        slots.acquire();
                        attempts.submit(() -> attempt(delivery));
                    }
                    full = claimed.size() == free;
                }
                if (!full) {
                    await(settings.pollInterval());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("Could not claim webhook deliveries; trying again in {}", settings.pollInterval(), e);
                try {
                    await(settings.pollInterval());
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    private void attempt(DeliveryStore.Claimed delivery) {
        try {
            Instant started = Instant.now();
            long start = System.nanoTime();
            WebhookSender.Outcome outcome = sender.send(delivery);
            long nanos = System.nanoTime() - start;
            latency.record(nanos, TimeUnit.NANOSECONDS);
            (outcome.succeeded() ? succeededAttempts : failedAttempts).increment();
            Instant now = Instant.now();
            String status;
            Instant retryAt = null;
            if (outcome.succeeded()) {
                status = "succeeded";
                succeeded.increment();
            } else if (outcome.interrupted()) {
                status = "pending"; // this replica is stopping: another may take it at once
                retryAt = now;
            } else if (delivery.attempt() >= settings.maxAttempts()
                    || delivery.createdAt().plus(settings.maxAge()).isBefore(now)) {
                status = "failed";
                failed.increment();
            } else {
                status = "pending";
                retryAt = now.plus(retryDelay(delivery.attempt(), settings.retryDelay(), settings.maxRetryDelay()));
            }
            store.recordAttempt(delivery.id(), new DeliveryStore.Attempt(delivery.attempt(), started,
                    outcome.responseCode(), TimeUnit.NANOSECONDS.toMillis(nanos), outcome.error(),
                    outcome.responseBody()), status, retryAt);
        } catch (RuntimeException e) {
            // its claim runs out and the delivery is tried again
            log.warn("Could not record an attempt of webhook delivery {}", delivery.id(), e);
        } finally {
            slots.release();
            wake();
        }
    }

    /** The wait after attempt {@code attempt} (from 1) failed: {@code first}, 3 times longer each time, up to max. */
    static Duration retryDelay(int attempt, Duration first, Duration max) {
        Duration delay = first;
        for (int i = 1; i < attempt && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(BACKOFF_FACTOR);
        }
        return delay.compareTo(max) > 0 ? max : delay;
    }

    private void await(Duration timeout) throws InterruptedException {
        synchronized (signal) {
            if (!woken) {
                signal.wait(Math.max(1, timeout.toMillis()));
            }
            woken = false;
        }
    }

    @Override
    public synchronized void start() {
        attempts = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("webhook-delivery-", 0).factory());
        running = true;
        poller = Thread.ofPlatform().daemon().name("webhook-deliverer").start(this::loop);
    }

    /** Stops claiming; attempts in flight are interrupted and recorded as due again at once. */
    @Override
    public synchronized void stop() {
        running = false;
        poller.interrupt();
        attempts.shutdownNow();
        try {
            poller.join(Duration.ofSeconds(10));
            if (!attempts.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("Webhook deliveries still in flight at shutdown; their claims run out and they are retried");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
