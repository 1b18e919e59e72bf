package io.stevedore.registry.webhooks;

import java.time.Instant;
import java.util.UUID;
import io.stevedore.registry.metadata.RepositoryDeleted;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Where the rest of the registry reports what webhooks may hear about. Call it inside the
 * transaction of the change: the event and its deliveries are one more statement there, so a
 * change that commits always has its event and one that rolls back has none, and a restart loses
 * nothing. Events no webhook wants leave no row.
 */
@Component
public class WebhookEvents {
    private final DeliveryStore deliveries;
    private final WebhookDeliverer deliverer;

    WebhookEvents(DeliveryStore deliveries, WebhookDeliverer deliverer) {
        this.deliveries = deliveries;
        this.deliverer = deliverer;
    }

    public void record(WebhookEvent event) {
        UUID id = UUID.randomUUID();
        if (deliveries.insertEvent(id, event, event.payload(id, Instant.now())) > 0) {
            wakeAfterCommit();
        }
    }

    /** Runs synchronously on the publisher's thread, so inside the delete's transaction. */
    @EventListener
    void repositoryDeleted(RepositoryDeleted deleted) {
        record(WebhookEvent.repositoryDeleted(deleted.actor(), deleted.repository()));
    }

    /** A ping to this webhook alone; the delivery's id. */
    long ping(Webhook webhook, String actor) {
        UUID id = UUID.randomUUID();
        WebhookEvent event = WebhookEvent.ping(actor, webhook);
        long delivery = deliveries.insertEventFor(webhook.id(), id, event, event.payload(id, Instant.now()));
        wakeAfterCommit();
        return delivery;
    }

    /** This replica's deliverer starts at once rather than at its next poll (other replicas poll). */
    void wakeAfterCommit() {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    deliverer.wake();
                }
            });
        } else {
            deliverer.wake();
        }
    }
}
