package io.stevedore.registry.builds.triggers;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.secrets.SealingKey;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/builds/triggers/{id}/webhook/{github|gitlab|generic}}: where git hosts
 * announce pushes. No login: the sender proves it knows the trigger's secret (an HMAC of the body,
 * or GitLab's token), checked over the raw bytes before anything is parsed; without that proof
 * the answer is 401 and nothing is recorded or queued.
 */
@RestController
@RequestMapping(path = "/api/v1/builds/triggers", produces = MediaType.APPLICATION_JSON_VALUE)
class TriggerWebhooksApi {
    private final BuildTriggerStore triggers;
    private final SealingKey sealing;
    private final TriggeredBuilds builds;

    TriggerWebhooksApi(BuildTriggerStore triggers, SealingKey sealing, TriggeredBuilds builds) {
        this.triggers = triggers;
        this.sealing = sealing;
        this.builds = builds;
    }

    @PostMapping(path = "/{id}/webhook/{source}", consumes = MediaType.ALL_VALUE)
    ResponseEntity<Map<String, Object>> receive(HttpServletRequest request, @PathVariable String id,
                                                @PathVariable String source) throws IOException {
        WebhookSource sender = WebhookSource.parse(source).orElseThrow(() -> ApiException.notFound(
                "webhooks are received at .../webhook/github, .../webhook/gitlab and .../webhook/generic"));
        byte[] body = body(request);
        BuildTrigger trigger = trigger(id);
        String secret = triggers.secrets(trigger.id())
                .map(sealed -> new String(sealing.open(sealed.webhook()), StandardCharsets.UTF_8))
                .orElseThrow(TriggerWebhooksApi::notAuthentic);
        if (!sender.authentic(request::getHeader, body, secret)) {
            throw notAuthentic();
        }
        TriggeredBuilds.Answer answer = builds.deliver(trigger, sender, sender.read(request::getHeader, body),
                request.getRemoteAddr());
        return ResponseEntity.status(answer.status()).body(answer.body());
    }

    /** The raw body, at most {@value WebhookSource#MAX_PAYLOAD} bytes. */
    private static byte[] body(HttpServletRequest request) throws IOException {
        if (request.getContentLengthLong() > WebhookSource.MAX_PAYLOAD) {
            throw tooLarge();
        }
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes(WebhookSource.MAX_PAYLOAD + 1);
            if (body.length > WebhookSource.MAX_PAYLOAD) {
                throw tooLarge();
            }
            return body;
        }
    }

    /** An unknown trigger answers as a wrong signature does: a sender learns nothing either way. */
    private BuildTrigger trigger(String id) {
        try {
            return triggers.find(Long.parseLong(id)).orElseThrow(TriggerWebhooksApi::notAuthentic);
        } catch (NumberFormatException e) {
            throw notAuthentic();
        }
    }

    private static ApiException notAuthentic() {
        return new ApiException(HttpStatus.UNAUTHORIZED, "no such trigger, or the delivery is not signed with its"
                + " secret (X-Hub-Signature-256, X-Gitlab-Token or X-Stevedore-Signature)");
    }

    private static ApiException tooLarge() {
        return new ApiException(HttpStatus.PAYLOAD_TOO_LARGE, "a webhook payload may have at most "
                + WebhookSource.MAX_PAYLOAD + " bytes");
    }
}
