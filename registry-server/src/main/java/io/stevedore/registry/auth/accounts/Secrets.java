package io.stevedore.registry.auth.accounts;

import io.stevedore.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Random secrets (refresh, robot and personal access tokens) and their SHA-256, which is all the
 * database keeps. A plain hash suffices for 256 random bits; Argon2 is for guessable passwords.
 */
public final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /** 256 random bits, base64url, after a prefix that tells what the secret is. */
    public static String generate(String prefix) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Lower-case hex. */
    public static String sha256(String secret) {
        return Digest.sha256(secret.getBytes(StandardCharsets.UTF_8)).hex();
    }
}
