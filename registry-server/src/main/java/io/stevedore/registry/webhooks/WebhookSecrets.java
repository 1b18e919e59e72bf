package io.stevedore.registry.webhooks;

import io.stevedore.registry.secrets.SealingKey;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * Webhook secrets at rest: sealed with the registry's {@link SealingKey}, opened only to sign a
 * delivery. At start-up, before the server takes requests, the secrets that webhooks created
 * before V15 kept in plain text are sealed; each replica tries, the first one does it.
 */
@Component
class WebhookSecrets implements SmartInitializingSingleton {
    private static final Logger log = LoggerFactory.getLogger(WebhookSecrets.class);

    private final SealingKey key;
    private final WebhookStore webhooks;

    WebhookSecrets(SealingKey key, WebhookStore webhooks) {
        this.key = key;
        this.webhooks = webhooks;
    }

    byte[] seal(String secret) {
        return key.seal(secret.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The secret a delivery signs with: a plain one not sealed yet (which, beside a sealed one, is
     * the newer: a replica on the code before V15 wrote it), else the sealed one opened; null when
     * that cannot be opened (the sealing key changed, or replicas do not share it), so that the
     * delivery fails alone with a reason instead of its whole batch.
     */
    String open(byte[] sealed, String plain) {
        if (plain != null || sealed == null) {
            return plain;
        }
        try {
            return new String(key.open(sealed), StandardCharsets.UTF_8);
        } catch (IllegalStateException e) {
            log.warn("A webhook's secret cannot be opened: {}", e.getMessage());
            return null;
        }
    }

    @Override
    public void afterSingletonsInstantiated() {
        sealPlainSecrets();
    }

    /** Seals every secret kept in plain text (the sealed one beside it, if any, is older). */
    void sealPlainSecrets() {
        Map<Long, String> plain = webhooks.plainSecrets();
        plain.forEach((id, secret) -> webhooks.seal(id, secret, seal(secret)));
        if (!plain.isEmpty()) {
            log.info("Sealed the secrets of {} webhooks kept in plain text before", plain.size());
        }
    }
}
