package io.stevedore.registry.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How receivers know a request is ours: HMAC-SHA256 with the webhook's secret over the exact
 * body ({@value #BODY_HEADER}, as GitHub signs), and over {@code "<timestamp>.<body>"}
 * ({@value #TIMESTAMPED_HEADER}), which binds the {@value #TIMESTAMP_HEADER} header so a
 * receiver can refuse old requests replayed by someone who captured one.
 */
final class WebhookSignature {
    static final String BODY_HEADER = "X-Stevedore-Signature-256";
    static final String TIMESTAMPED_HEADER = "X-Stevedore-Timestamp-Signature-256";
    static final String TIMESTAMP_HEADER = "X-Stevedore-Timestamp";
    static final String EVENT_HEADER = "X-Stevedore-Event";
    static final String DELIVERY_HEADER = "X-Stevedore-Delivery";

    private WebhookSignature() {
    }

    /** {@code sha256=<hex>} */
    static String sign(String secret, byte[] content) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(content));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    static String signTimestamped(String secret, long epochSecond, byte[] body) {
        byte[] prefix = (epochSecond + ".").getBytes(StandardCharsets.US_ASCII);
        byte[] signed = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, signed, 0, prefix.length);
        System.arraycopy(body, 0, signed, prefix.length, body.length);
        return sign(secret, signed);
    }
}
