package io.stevedore.registry.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.Digest;
import io.stevedore.registry.AuthRegistryTestSupport;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The statement that ends an upload session by linking its blob (UploadStore.completeWithBlob),
 * which a final PUT runs in place of the repository's lookup, the link and the session's delete.
 */
class UploadCompletionTest extends AuthRegistryTestSupport {

    @Test
    void completingASessionLinksItsBlobAndEndsTheSession() {
        TestUser alice = newUser("complete");
        byte[] bytes = ("blob " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.sha256(bytes);
        pushBlob(alice, alice.name() + "/source", bytes); // the bytes and their blobs row exist
        String repository = alice.name() + "/target";
        UUID session = startSession(alice, repository);

        assertThat(uploads().completeWithBlob(session, digest.toString(), bytes.length)).isTrue();

        assertThat(jdbc().sql("select count(*) from uploads where id = ?").param(session).query(Long.class).single())
                .as("the session").isZero();
        assertThat(linked(repository, digest)).isTrue();
        assertThat(get("/v2/" + repository + "/blobs/" + digest, "Authorization", alice.basic()).body())
                .isEqualTo(new String(bytes, StandardCharsets.UTF_8));
    }

    /** Removed meanwhile (its repository deleted, say): nothing is linked, and the caller links by name. */
    @Test
    void aSessionThatIsGoneLinksNothing() {
        TestUser alice = newUser("complete");
        byte[] bytes = ("blob " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.sha256(bytes);
        pushBlob(alice, alice.name() + "/source", bytes);
        String repository = alice.name() + "/target";
        UUID session = startSession(alice, repository);
        uploads().delete(session);

        assertThat(uploads().completeWithBlob(session, digest.toString(), bytes.length)).isFalse();

        assertThat(linked(repository, digest)).isFalse();
    }

    private static void pushBlob(TestUser user, String repository, byte[] bytes) {
        assertThat(send("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + Digest.sha256(bytes), bytes,
                "Authorization", user.basic(), "Content-Type", "application/octet-stream").status()).isEqualTo(201);
    }

    private static UUID startSession(TestUser user, String repository) {
        Response started = send("POST", "/v2/" + repository + "/blobs/uploads/", null, "Authorization", user.basic());
        assertThat(started.status()).isEqualTo(202);
        return UUID.fromString(started.header("Docker-Upload-UUID"));
    }

    private static boolean linked(String repository, Digest digest) {
        return jdbc().sql("""
                select count(*) from repository_blobs rb join repositories r on r.id = rb.repository_id
                where r.name = ? and rb.digest = ?""").params(repository, digest.toString())
                .query(Long.class).single() > 0;
    }

    private static UploadStore uploads() {
        return authContext().getBean(UploadStore.class);
    }

    private static JdbcClient jdbc() {
        return authContext().getBean(JdbcClient.class);
    }
}
