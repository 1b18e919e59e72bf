package io.stevedore.registry.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.registry.RegistryTestSupport;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.UploadWriter;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

class UploadJanitorTest extends RegistryTestSupport {

    private static HttpResponse<String> send(String method, String pathOrUrl, byte[] body) throws Exception {
        return http().send(HttpRequest.newBuilder(registryUrl().resolve(pathOrUrl))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/octet-stream").build(), BodyHandlers.ofString());
    }

    @Test
    void abandonedUploadIsCancelledWithItsBytesAndFreshOnesAreKept() throws Exception {
        assumeTrue(context() != null, "needs our own server, not an external registry");
        String repo = "janitor/idle-" + UUID.randomUUID().toString().substring(0, 8);
        String abandoned = send("POST", "/v2/" + repo + "/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
        assertThat(send("PATCH", abandoned, new byte[100_000]).statusCode()).isEqualTo(202);
        String fresh = send("POST", "/v2/" + repo + "/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
        String abandonedId = abandoned.substring(abandoned.lastIndexOf('/') + 1);

        context().getBean(JdbcClient.class)
                .sql("update uploads set updated_at = now() - interval '25 hours' where id = ?::uuid")
                .param(abandonedId).update();
        int cancelled = context().getBean(UploadJanitor.class).cancelIdleSessions();

        assertThat(cancelled).isGreaterThanOrEqualTo(1);
        assertThat(send("GET", abandoned, null).statusCode()).isEqualTo(404);
        assertThat(send("GET", fresh, null).statusCode()).isEqualTo(204);
        try (UploadWriter writer = context().getBean(BlobStore.class).upload(abandonedId)) {
            assertThat(writer.size()).as("the abandoned session's bytes are gone").isZero();
            writer.cancel();
        }
    }
}
