package io.stevedore.registry.auth.tokens;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.RSAKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RSA key that signs our tokens (RS256), from a PEM PKCS#8 file: the one configured, or one
 * created with owner-only permissions on first start. Its key id is the RFC 7638 thumbprint of
 * the public key, so the same key always has the same {@code kid}.
 *
 * @param keyId the {@code kid} of the tokens it signs
 */
public record TokenSigningKey(RSAPublicKey publicKey, RSAPrivateCrtKey privateKey, String keyId) {
    private static final Logger log = LoggerFactory.getLogger(TokenSigningKey.class);
    private static final int GENERATED_BITS = 3072;
    private static final int MINIMUM_BITS = 2048;
    private static final String BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String END = "-----END PRIVATE KEY-----";

    /** The key in {@code file}, which must exist. */
    public static TokenSigningKey read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.US_ASCII), file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the token signing key " + file, e);
        }
    }

    /**
     * The key in {@code file}, created first if there is none. A key another process creates at
     * the same moment wins: each writes a private temporary file and only one move succeeds.
     */
    public static TokenSigningKey readOrCreate(Path file) {
        if (Files.exists(file)) {
            warnIfReadableByOthers(file);
            return read(file);
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path temporary = Files.createTempFile(file.toAbsolutePath().getParent(), ".signing-key", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(temporary, generatePem(), StandardCharsets.US_ASCII);
                Files.move(temporary, file);
                log.info("Created the token signing key {} (RSA {} bits); replicas must share it "
                        + "(registry.auth.signing-key)", file, GENERATED_BITS);
            } catch (FileAlreadyExistsException e) {
                log.info("Another process created the token signing key {} first; using it", file);
            } finally {
                Files.deleteIfExists(temporary);
            }
            return read(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the token signing key " + file, e);
        }
    }

    /** The key as a JWK, with its id, for signing. */
    public RSAKey toJwk() {
        return new RSAKey.Builder(publicKey).privateKey(privateKey).keyID(keyId).build();
    }

    /** Never the key itself: a record would print every component. */
    @Override
    public String toString() {
        return "TokenSigningKey[RSA " + publicKey.getModulus().bitLength() + " bits, kid " + keyId + "]";
    }

    static TokenSigningKey parse(String pem, Path source) {
        int begin = pem.indexOf(BEGIN);
        int end = pem.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalStateException(source + " holds no PEM PKCS#8 private key (" + BEGIN + "); "
                    + "convert one with `openssl pkcs8 -topk8 -nocrypt -in old.pem -out " + source + "`");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + BEGIN.length(), end));
            if (!(KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der))
                    instanceof RSAPrivateCrtKey privateKey)) {
                throw new IllegalStateException(source + ": the RSA key lacks its CRT parameters");
            }
            if (privateKey.getModulus().bitLength() < MINIMUM_BITS) {
                throw new IllegalStateException(source + ": an RSA key needs at least " + MINIMUM_BITS + " bits");
            }
            RSAPublicKey publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(
                    new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
            String keyId = new RSAKey.Builder(publicKey).build().computeThumbprint().toString();
            return new TokenSigningKey(publicKey, privateKey, keyId);
        } catch (GeneralSecurityException | IllegalArgumentException | JOSEException e) {
            throw new IllegalStateException(source + " holds no usable RSA private key: " + e.getMessage(), e);
        }
    }

    private static String generatePem() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(GENERATED_BITS);
            byte[] der = generator.generateKeyPair().getPrivate().getEncoded();
            return BEGIN + "\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(der) + "\n" + END + "\n";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void warnIfReadableByOthers(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                log.warn("The token signing key {} is accessible to other accounts ({}); chmod 600 it",
                        file, PosixFilePermissions.toString(permissions));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // no POSIX permissions to check
        }
    }
}
