package io.stevedore.registry.secrets;

import io.stevedore.registry.config.RegistryProperties;
import io.stevedore.registry.postgres.PasswordFile;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * The AES key that seals the secrets the registry keeps in PostgreSQL (build secrets, build
 * triggers' secrets, webhook secrets), so that a database dump or backup shows none of them.
 * Configured as {@code registry.builds.secret-key} (builds were its first users), or generated
 * once into {@code <data-dir>/builds/secret-key} (mode 0600); replicas must share it.
 */
@Component
public class SealingKey {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE_BYTES = 12;

    private final SecretKeySpec key;

    public SealingKey(RegistryProperties properties) {
        String configured = properties.builds().secretKey();
        String text = configured != null && !configured.isBlank() ? configured
                : new PasswordFile(properties.dataDir().resolve("builds").resolve("secret-key")).readOrCreate();
        byte[] bytes = decode(text);
        if (bytes.length != 16 && bytes.length != 32) {
            throw new IllegalStateException("registry.builds.secret-key must be 16 or 32 bytes, base64; it has "
                    + bytes.length);
        }
        this.key = new SecretKeySpec(bytes, "AES");
    }

    /** AES-GCM: a random nonce, then the ciphertext and tag. */
    public byte[] seal(byte[] plain) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            byte[] sealed = cipher.doFinal(plain);
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing a secret failed", e);
        }
    }

    public byte[] open(byte[] sealed) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, sealed, 0, NONCE_BYTES));
            return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a sealed secret cannot be opened: was registry.builds.secret-key changed?",
                    e);
        }
    }

    private static byte[] decode(String key) {
        String text = key.strip();
        try {
            return Base64.getUrlDecoder().decode(text.replace('+', '-').replace('/', '_').replace("=", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("registry.builds.secret-key is not base64", e);
        }
    }
}
