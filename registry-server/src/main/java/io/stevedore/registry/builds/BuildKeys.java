package io.stevedore.registry.builds;

import io.stevedore.registry.config.RegistryProperties;
import io.stevedore.registry.postgres.PasswordFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * The two secrets of the build service: the token workers present, and the AES key that seals
 * build secrets in the database (so a database dump shows no secret). Both are configured, or
 * generated once into {@code <data-dir>/builds/} (mode 0600); replicas must share them.
 */
@Component
public class BuildKeys {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE_BYTES = 12;

    private final byte[] workerToken;
    private final SecretKeySpec secretKey;

    public BuildKeys(RegistryProperties properties) {
        RegistryProperties.Builds builds = properties.builds();
        Path dir = properties.dataDir().resolve("builds");
        String token = builds.workerToken() != null && !builds.workerToken().isBlank() ? builds.workerToken()
                : generatedOnce(dir.resolve("worker-token"));
        this.workerToken = token.getBytes(StandardCharsets.UTF_8);
        String key = builds.secretKey() != null && !builds.secretKey().isBlank() ? builds.secretKey()
                : generatedOnce(dir.resolve("secret-key"));
        byte[] keyBytes = decodeKey(key);
        if (keyBytes.length != 16 && keyBytes.length != 32) {
            throw new IllegalStateException("registry.builds.secret-key must be 16 or 32 bytes, base64; it has "
                    + keyBytes.length);
        }
        this.secretKey = new SecretKeySpec(keyBytes, "AES");
    }

    /** The token, for starting an embedded worker. */
    String workerToken() {
        return new String(workerToken, StandardCharsets.UTF_8);
    }

    /** Whether {@code presented} is the worker token, compared in constant time. */
    boolean isWorkerToken(String presented) {
        return presented != null && MessageDigest.isEqual(workerToken, presented.getBytes(StandardCharsets.UTF_8));
    }

    /** AES-GCM: a random nonce, then the ciphertext and tag. */
    public byte[] seal(byte[] plain) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, secretKey, new GCMParameterSpec(128, nonce));
            byte[] sealed = cipher.doFinal(plain);
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing build secrets failed", e);
        }
    }

    public byte[] open(byte[] sealed) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, secretKey, new GCMParameterSpec(128, sealed, 0, NONCE_BYTES));
            return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("build secrets cannot be opened: was registry.builds.secret-key changed?", e);
        }
    }

    private static byte[] decodeKey(String key) {
        String text = key.strip();
        try {
            return Base64.getUrlDecoder().decode(text.replace('+', '-').replace('/', '_').replace("=", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("registry.builds.secret-key is not base64", e);
        }
    }

    private static String generatedOnce(Path file) {
        PasswordFile secret = new PasswordFile(file);
        try {
            Files.createDirectories(file.getParent());
            return secret.exists() ? secret.read() : secret.create();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep a build secret in " + file, e);
        }
    }
}
