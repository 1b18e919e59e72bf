package io.stevedore.registry.usage;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A push refused because it would take its namespace over quota; the distribution API answers
 * it with {@code DENIED}.
 *
 * @param adding the bytes the refused manifest would add, or null for an upload refused because
 *               the namespace is full already
 */
public class QuotaExceededException extends RuntimeException {
    private final String namespace;
    private final long quotaBytes;
    private final long usageBytes;
    private final Long adding;

    QuotaExceededException(String namespace, long quotaBytes, long usageBytes, Long adding) {
        super("quota of namespace " + namespace + " exceeded: " + ByteSizes.human(usageBytes) + " used of "
                + ByteSizes.human(quotaBytes)
                + (adding == null ? ", no new uploads until images are deleted or the quota is raised"
                        : ", this manifest adds " + ByteSizes.human(adding)));
        this.namespace = namespace;
        this.quotaBytes = quotaBytes;
        this.usageBytes = usageBytes;
        this.adding = adding;
    }

    /** The exact figures, for the error's detail. */
    public Map<String, Object> detail() {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("namespace", namespace);
        detail.put("quotaBytes", quotaBytes);
        detail.put("usageBytes", usageBytes);
        if (adding != null) {
            detail.put("manifestAddsBytes", adding);
        }
        return detail;
    }
}
