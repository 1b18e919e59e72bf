package io.stevedore.registry.auth.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenSigningKeyTest {

    @TempDir
    Path dir;

    @Test
    void isCreatedOnFirstUseReadableOnlyByItsOwnerAndTheSameKeyAfterwards() throws Exception {
        Path file = dir.resolve("auth/token-signing-key.pem");
        TokenSigningKey created = TokenSigningKey.readOrCreate(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(created.publicKey().getModulus().bitLength()).isEqualTo(3072);
        assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----");
        TokenSigningKey again = TokenSigningKey.readOrCreate(file);
        assertThat(again.keyId()).isEqualTo(created.keyId());
        assertThat(again.publicKey()).isEqualTo(created.publicKey());
        try (var files = Files.list(file.getParent())) {
            assertThat(files).as("no temporary file left behind").containsExactly(file);
        }
    }

    @Test
    void aConfiguredPkcs8KeyIsReadWithItsThumbprintAsKeyId() throws Exception {
        Path file = dir.resolve("configured.pem");
        Files.writeString(file, pem(2048));
        TokenSigningKey key = TokenSigningKey.read(file);
        assertThat(key.keyId()).matches("[A-Za-z0-9_-]{43}");
        assertThat(key.toString()).doesNotContain(key.privateKey().getPrivateExponent().toString());
    }

    @Test
    void refusesWhatIsNoPkcs8RsaKeyOfAtLeast2048Bits() throws Exception {
        Path pkcs1 = dir.resolve("pkcs1.pem");
        Files.writeString(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> TokenSigningKey.read(pkcs1)).hasMessageContaining("openssl pkcs8 -topk8");

        Path small = dir.resolve("small.pem");
        Files.writeString(small, pem(1024));
        assertThatThrownBy(() -> TokenSigningKey.read(small)).hasMessageContaining("at least 2048 bits");
    }

    private static String pem(int bits) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits);
        byte[] der = generator.generateKeyPair().getPrivate().getEncoded();
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END PRIVATE KEY-----\n";
    }
}
