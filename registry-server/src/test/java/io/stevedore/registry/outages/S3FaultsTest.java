package io.stevedore.registry.outages;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.Digest;
import io.stevedore.registry.StevedoreApplication;
import io.stevedore.registry.TestStorage;
import io.stevedore.registry.outages.FaultClient.Answer;
import io.stevedore.storage.s3.S3ProxyServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The registry on S3 (S3Proxy) behind a proxy that answers 503 SlowDown: failures the SDK's
 * retries absorb are invisible to clients; the rest are answered 503 UNAVAILABLE with Retry-After,
 * leave no blob visible and no multipart upload behind, and pushes succeed once S3 is back.
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
}
