package io.stevedore.builder.engine;

import io.stevedore.oci.Digest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Cache keys: the parent's key chained with every input that decides a step's result. */
final class CacheKeys {
    private CacheKeys() {}

    static Digest base(String imageIdentity, String platform) {
        return chain(null, "base", imageIdentity, platform);
    }

    static Digest chain(Digest parent, String... parts) {
        MessageDigest md = Digest.newMessageDigest("sha256");
        md.update((parent == null ? "-" : parent.toString()).getBytes(StandardCharsets.UTF_8));
        for (String part : parts) {
            md.update((byte) 0);
            md.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
        }
        return Digest.fromMessageDigest("sha256", md);
    }
}
