package io.stevedore.registry.webhooks;

import io.stevedore.registry.config.RegistryProperties;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes deliveries that ended longer ago than {@code registry.webhooks.retention}, with their
 * attempts and the events nothing delivers any more. Every replica may run it: the deletes are
 * idempotent.
 */
@Component
class WebhookRetention {
    private static final Logger log = LoggerFactory.getLogger(WebhookRetention.class);

    private final DeliveryStore deliveries;
    private final Duration retention;

    WebhookRetention(DeliveryStore deliveries, RegistryProperties properties) {
        this.deliveries = deliveries;
        this.retention = properties.webhooks().retention();
    }

    @Scheduled(initialDelayString = "PT3M", fixedDelayString = "PT1H")
    void expire() {
        int deleted = deliveries.deleteEndedBefore(Instant.now().minus(retention));
        if (deleted > 0) {
            log.info("Deleted {} webhook deliveries that ended more than {} ago", deleted, retention);
        }
    }
}
