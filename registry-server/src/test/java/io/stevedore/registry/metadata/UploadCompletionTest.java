package io.stevedore.registry.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.Digest;
import io.stevedore.registry.AuthRegistryTestSupport;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
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

        assertThat(uploads().completeWithBlob(session, repositoryId(repository), digest.toString(), bytes.length))
                .isTrue();

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

        assertThat(uploads().completeWithBlob(session, repositoryId(repository), digest.toString(), bytes.length))
                .isFalse();

        assertThat(linked(repository, digest)).isFalse();
    }

    /**
     * A repository deletion locks the repository's row, then its sessions in its cascade. A final
     * PUT that comes in between waits for it, without locking its session first (that order
     * deadlocked with the cascade), and then pushes into a repository of the same name again.
     */
    @Test
    void aFinalPutDuringARepositoryDeletionWaitsForItAndCreatesTheRepositoryAgain() throws Exception {
        TestUser alice = newUser("complete");
        String repository = alice.name() + "/doomed";
        byte[] bytes = ("blob " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.sha256(bytes);
        UUID session = startSession(alice, repository);
        long before = repositoryId(repository);
        DataSource dataSource = authContext().getBean(DataSource.class);
        try (Connection deletion = dataSource.getConnection(); Connection observer = dataSource.getConnection()) {
            deletion.setAutoCommit(false);
            execute(deletion, "select id from repositories where id = ? for update", before); // the delete's row lock
            CompletableFuture<Response> put = CompletableFuture.supplyAsync(() -> send("PUT",
                    "/v2/" + repository + "/blobs/uploads/" + session + "?digest=" + digest, bytes,
                    "Authorization", alice.basic(), "Content-Type", "application/octet-stream"));
            awaitALockWait(observer, put);
            execute(deletion, "delete from repositories where id = ?", before); // its cascade takes the session
            deletion.commit();

            Response response = put.get(60, TimeUnit.SECONDS);
            assertThat(response.status()).as(response.body()).isEqualTo(201);
        }
        assertThat(repositoryId(repository)).as("created again").isNotEqualTo(before);
        assertThat(linked(repository, digest)).isTrue();
        assertThat(get("/v2/" + repository + "/blobs/" + digest, "Authorization", alice.basic()).body())
                .isEqualTo(new String(bytes, StandardCharsets.UTF_8));
    }

    private static void execute(Connection connection, String sql, long parameter) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, parameter);
            statement.execute();
        }
    }

    /** Until a backend waits for a lock: the PUT, at the repository's row. */
    private static void awaitALockWait(Connection observer, CompletableFuture<Response> put) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            assertThat(put).as("the PUT answered without waiting for the deletion").isNotDone();
            try (PreparedStatement query = observer.prepareStatement("""
                    select count(*) from pg_stat_activity
                    where datname = current_database() and wait_event_type = 'Lock'""");
                 ResultSet rows = query.executeQuery()) {
                rows.next();
                if (rows.getLong(1) > 0) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the PUT never waited for the repository's row");
    }

    private static long repositoryId(String repository) {
        return jdbc().sql("select id from repositories where name = ?").param(repository).query(Long.class).single();
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
