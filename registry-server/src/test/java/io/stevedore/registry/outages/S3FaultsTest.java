package io.stevedore.registry.outages;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.Digest;
import io.stevedore.registry.StevedoreApplication;
import io.stevedore.registry.TestStorage;
import io.stevedore.registry.outages.FaultClient.Answer;
import io.stevedore.storage.s3.S3ProxyServer;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The registry on S3 (S3Proxy) behind a proxy that answers 503 SlowDown or cuts a download off:
 * failures the SDK's retries absorb are invisible to clients; the rest are answered 503
 * UNAVAILABLE with Retry-After, leave no blob visible and no multipart upload behind, and pushes
 * succeed once S3 is back. A download S3 breaks off mid-way is broken off for the client too
 * (never a body that looks complete), logged once, and leaves nothing stuck behind.
 */
class S3FaultsTest {
    private static final int MIB = 1024 * 1024;

    private static S3ProxyServer s3;
    private static FaultyS3Proxy faults;
    private static String bucket;
    private static ConfigurableApplicationContext registry;
    private static FaultClient client;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3ProxyServer.start();
        faults = new FaultyS3Proxy(s3.endpoint());
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
                "--registry.auth.enabled=false", "--registry.data-dir="
                        + Path.of("target", "s3-faults-" + ProcessHandle.current().pid()).toAbsolutePath()));
        for (String argument : TestStorage.s3Arguments(s3)) {
            args.add(argument.startsWith("--registry.storage.s3.endpoint=")
                    ? "--registry.storage.s3.endpoint=" + faults.endpoint() : argument);
            if (argument.startsWith("--registry.storage.s3.bucket=")) {
                bucket = argument.substring(argument.indexOf('=') + 1);
            }
        }
        registry = new SpringApplicationBuilder(StevedoreApplication.class).run(args.toArray(String[]::new));
        client = new FaultClient(URI.create("http://127.0.0.1:" + registry.getEnvironment()
                .getProperty("local.server.port")), Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (faults != null) {
            faults.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static List<String> multipartUploads() {
        try (S3Client direct = S3Client.builder().endpointOverride(s3.endpoint()).region(Region.of(S3ProxyServer.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .forcePathStyle(true).build()) {
            return direct.listMultipartUploads(b -> b.bucket(bucket)).uploads().stream()
                    .map(u -> u.key() + " " + u.uploadId()).toList();
        }
    }

    private static void assertStorageUnavailable(Answer answer) {
        FaultClient.assertOutage(answer, 503, "storage");
    }

    @Test
    void aFewSlowDownsAreRetriedUnseen() throws Exception {
        byte[] blob = FaultClient.random(2 * MIB, 1);
        faults.failNext(2);
        Answer pushed = client.pushMonolithic("s3faults/retried", blob);
        faults.heal();
        assertThat(pushed.status()).as(pushed.text()).isEqualTo(201);
        assertThat(client.getBlob("s3faults/retried", Digest.sha256(blob)).body()).isEqualTo(blob);
    }

    @Test
    void s3SlowingDownForGoodIsAnswered503LeavingNothingAndPushesSucceedOnceItRecovers() throws Exception {
        String repo = "s3faults/down";
        byte[] monolithic = FaultClient.random(6 * MIB, 2);
        byte[] chunked = FaultClient.random(11 * MIB, 3);
        faults.failAll();
        try {
            assertStorageUnavailable(client.pushMonolithic(repo, monolithic));
            Answer started = client.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
            assertThat(started.status()).isEqualTo(202);
            Answer chunk = client.send("PATCH", started.location(), Arrays.copyOfRange(chunked, 0, 6 * MIB),
                    "Content-Type", "application/octet-stream", "Content-Range", "0-" + (6 * MIB - 1));
            assertStorageUnavailable(chunk);
            assertThat(client.send("DELETE", started.location(), null).status()).as("cancel while S3 is down")
                    .isIn(204, 503);
            assertThat(client.getBlob(repo, Digest.sha256(chunked)).status()).isEqualTo(404);
        } finally {
            faults.heal();
        }
        assertThat(client.send("HEAD", "/v2/" + repo + "/blobs/" + Digest.sha256(monolithic), null).status())
                .isEqualTo(404);
        assertThat(client.pushMonolithic(repo, monolithic).status()).isEqualTo(201);
        Answer done = client.pushChunked(repo, chunked, 6 * MIB);
        assertThat(done.status()).as(done.text()).isEqualTo(201);
        assertThat(client.getBlob(repo, Digest.sha256(chunked)).body()).isEqualTo(chunked);
        assertThat(multipartUploads()).as("no multipart upload left behind").isEmpty();
    }

    @Test
    void aDownloadS3BreaksOffIsBrokenOffForTheClientLoggedOnceAndTheNextDownloadsWork() throws Exception {
        String repo = "s3faults/download";
        byte[] blob = FaultClient.random(8 * MIB, 4);
        Digest digest = Digest.sha256(blob);
        assertThat(client.pushMonolithic(repo, blob).status()).isEqualTo(201);
        assertThat(client.getBlob(repo, digest).body()).isEqualTo(blob);
        int connectionsBefore = faults.openConnections();
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        log.start();
        root.addAppender(log);
        try {
            int cutsBefore = faults.cuts();
            faults.breakNextResponseAfter(3 * MIB);
            // A keep-alive client, as docker and containerd are: it must not be left waiting for the rest.
            HttpClient keepAlive = HttpClient.newHttpClient();
            HttpResponse<InputStream> response = keepAlive.send(HttpRequest.newBuilder(
                    client.resolve("/v2/" + repo + "/blobs/" + digest)).timeout(Duration.ofSeconds(60)).build(),
                    BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(blob.length);
            byte[] received = new byte[blob.length];
            int[] length = {0};
            // The body has no timeout of its own: a server that neither sends the rest nor closes
            // would hold the client until the server's keep-alive timeout (60 s), so the bound here is
            // half of that.
            Future<IOException> reading = Executors.newVirtualThreadPerTaskExecutor().submit(() -> {
                try (InputStream body = response.body()) {
                    for (int n; length[0] < blob.length
                            && (n = body.read(received, length[0], blob.length - length[0])) >= 0; ) {
                        length[0] += n;
                    }
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            IOException broken;
            try {
                broken = reading.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                reading.cancel(true);
                throw new AssertionError("the client is left waiting for bytes that never come, after "
                        + length[0] + " of " + blob.length);
            }
            assertThat(faults.cuts()).as("S3's response was cut").isEqualTo(cutsBefore + 1);
            assertThat(broken).as("the transfer breaks off (%d of %d bytes arrived)", length[0], blob.length)
                    .isNotNull();
            assertThat(length[0]).isLessThan(blob.length);
            assertThat(Arrays.copyOf(received, length[0])).as("what arrived is the blob's beginning")
                    .isEqualTo(Arrays.copyOf(blob, length[0]));

            assertThat(client.getBlob(repo, digest).body()).as("the next download").isEqualTo(blob);
            Answer range = client.send("GET", "/v2/" + repo + "/blobs/" + digest, null,
                    "Range", "bytes=" + (5 * MIB) + "-" + (6 * MIB - 1));
            assertThat(range.status()).isEqualTo(206);
            assertThat(range.body()).isEqualTo(Arrays.copyOfRange(blob, 5 * MIB, 6 * MIB));
            assertThat(keepAlive.send(HttpRequest.newBuilder(client.resolve("/v2/" + repo + "/blobs/" + digest))
                    .build(), BodyHandlers.ofByteArray()).body()).as("the same client downloads again").isEqualTo(blob);
        } finally {
            root.detachAppender(log);
        }
        List<String> warnings = log.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()
                        + (e.getThrowableProxy() == null ? "" : " [with a stack trace]")).toList();
        assertThat(warnings).as("the broken download is logged once").hasSize(1);
        assertThat(warnings.getFirst()).contains(digest.toString()).doesNotContain("[with a stack trace]");
        assertThat(faults.openConnections()).as("no connection to S3 left open by the broken download")
                .isLessThanOrEqualTo(Math.max(1, connectionsBefore));
    }

    @Test
    void s3DownAnswersBlobGets503WhileHeadsAnswerFromTheDatabaseAndReadinessIsDown() throws Exception {
        String repo = "s3faults/stat";
        byte[] blob = FaultClient.random(MIB, 5);
        Digest digest = Digest.sha256(blob);
        assertThat(client.pushMonolithic(repo, blob).status()).isEqualTo(201);
        faults.failAll();
        try {
            assertStorageUnavailable(client.getBlob(repo, digest));
            Answer head = client.send("HEAD", "/v2/" + repo + "/blobs/" + digest, null);
            assertThat(head.status()).as("the blob's size is in PostgreSQL; HEAD does not ask S3").isEqualTo(200);
            assertThat(client.send("GET", "/actuator/health/readiness", null).status())
                    .as("readiness stats S3").isEqualTo(503);
        } finally {
            faults.heal();
        }
        assertThat(client.getBlob(repo, digest).body()).isEqualTo(blob);
        assertThat(client.send("GET", "/actuator/health/readiness", null).status()).isEqualTo(200);
    }
}
