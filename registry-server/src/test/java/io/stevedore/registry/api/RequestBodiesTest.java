package io.stevedore.registry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

class RequestBodiesTest {

    @Test
    void aBodyOverTheLimitFailsWith413NamingTheSetting() {
        InputStream body = RequestBodies.limited(new ByteArrayInputStream(new byte[101]), 100, "the archive",
                "registry.images.max-import-size");
        assertThatThrownBy(body::readAllBytes).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(HttpStatus.PAYLOAD_TOO_LARGE);
            assertThat(e.getMessage()).contains("the archive", "100 bytes", "registry.images.max-import-size");
        });
    }

    @Test
    void aBodyAtTheLimitPasses() throws IOException {
        InputStream body = RequestBodies.limited(new ByteArrayInputStream(new byte[100]), 100, "x", "y");
        assertThat(body.readAllBytes()).hasSize(100);
    }

    @Test
    void gzippedBodiesAreInflatedAndOthersPassAsTheyAre() throws IOException {
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped)) {
            gzip.write("inflated".getBytes());
        }
        assertThat(RequestBodies.decompressed(new ByteArrayInputStream(gzipped.toByteArray())).readAllBytes())
                .isEqualTo("inflated".getBytes());
        assertThat(RequestBodies.decompressed(new ByteArrayInputStream("plain".getBytes())).readAllBytes())
                .isEqualTo("plain".getBytes());
    }
}
