package io.stevedore.registry.outages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.oci.Digest;
import io.stevedore.registry.StevedoreApplication;
import io.stevedore.registry.outages.FaultClient.Answer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Filesystem storage on a 20 MiB tmpfs that the test fills: pushes that do not fit are answered
 * 507 in the OCI shape saying storage is full, leave nothing visible and no upload file behind, a
 * chunked upload goes on from the offset the registry reports, and once space is freed pushes
 * succeed. Needs root to mount; skipped otherwise.
 */
class DiskFullTest {
    private static final Path WORK = Path.of("target", "disk-full-" + ProcessHandle.current().pid()).toAbsolutePath();
    private static final Path STORAGE = WORK.resolve("data").resolve("storage");
    private static final int MIB = 1024 * 1024;

    private static boolean mounted;
    private static ConfigurableApplicationContext registry;
    private static FaultClient client;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(STORAGE);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", STORAGE.toString())
                .redirectErrorStream(true).start();
        String output = new String(mount.getInputStream().readAllBytes());
        mounted = mount.waitFor() == 0;
        assumeTrue(mounted, "a 20 MiB tmpfs as the storage root needs root and mount(8): " + output.strip());
        registry = new SpringApplicationBuilder(StevedoreApplication.class).run(
                "--server.port=0", "--server.address=127.0.0.1", "--registry.auth.enabled=false",
                "--registry.data-dir=" + WORK.resolve("data"), "--registry.storage.type=fs");
        client = new FaultClient(URI.create("http://127.0.0.1:" + registry.getEnvironment()
                .getProperty("local.server.port")), Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (mounted) {
            new ProcessBuilder("umount", STORAGE.toString()).inheritIO().start().waitFor();
        }
    }

    private static Path filler() {
        return STORAGE.resolve("filler");
    }

    /** Fills the tmpfs but for {@code free} bytes. */
    private static void fillLeaving(long free) throws IOException {
        long usable = Files.getFileStore(STORAGE).getUsableSpace();
        Files.write(filler(), new byte[(int) Math.max(0, usable - free)]);
    }

    private static List<Path> uploadFiles() throws IOException {
        try (Stream<Path> files = Files.list(STORAGE.resolve("uploads"))) {
            return files.toList();
        }
    }

    private static void assertStorageFull(Answer answer) {
        FaultClient.assertOutage(answer, 507, "storage is full");
    }

    @Test
    void pushesThatDoNotFitAreRefusedAs507LeavingNothingAndSucceedOnceSpaceIsFreed() throws Exception {
        String repo = "full/monolithic";
        fillLeaving(3 * MIB);
        byte[] blob = FaultClient.random(6 * MIB, 1);
        Digest digest = Digest.sha256(blob);

        assertStorageFull(client.pushMonolithic(repo, blob));
        assertThat(client.send("HEAD", "/v2/" + repo + "/blobs/" + digest, null).status()).isEqualTo(404);
        assertThat(uploadFiles()).as("the refused upload's file is removed").isEmpty();

        Files.delete(filler());
        assertThat(client.pushMonolithic(repo, blob).status()).isEqualTo(201);
        assertThat(client.getBlob(repo, digest).body()).isEqualTo(blob);
    }

    @Test
    void chunkedUploadInterruptedByAFullDiskResumesFromTheReportedOffset() throws Exception {
        String repo = "full/chunked";
        fillLeaving(3 * MIB);
        byte[] blob = FaultClient.random(6 * MIB, 2);
        Answer started = client.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        String location = started.location();
        Answer first = client.send("PATCH", location, Arrays.copyOfRange(blob, 0, MIB),
                "Content-Type", "application/octet-stream", "Content-Range", "0-" + (MIB - 1));
        assertThat(first.status()).isEqualTo(202);
        Answer overflow = client.send("PATCH", first.location(), Arrays.copyOfRange(blob, MIB, blob.length),
                "Content-Type", "application/octet-stream", "Content-Range", MIB + "-" + (blob.length - 1));
        assertStorageFull(overflow);
        assertThat(client.send("HEAD", "/v2/" + repo + "/blobs/" + Digest.sha256(blob), null).status()).isEqualTo(404);

        Files.delete(filler());
        Answer status = client.send("GET", location, null);
        assertThat(status.status()).isEqualTo(204);
        int offset = Integer.parseInt(rangeEnd(client, location)) + 1;
        assertThat(offset).isBetween(MIB, blob.length - 1);
        Answer rest = client.send("PATCH", location, Arrays.copyOfRange(blob, offset, blob.length),
                "Content-Type", "application/octet-stream", "Content-Range", offset + "-" + (blob.length - 1));
        assertThat(rest.status()).as(rest.text()).isEqualTo(202);
        Answer done = client.send("PUT", FaultClient.withDigest(rest.location(), Digest.sha256(blob)), null);
        assertThat(done.status()).as(done.text()).isEqualTo(201);
        assertThat(client.getBlob(repo, Digest.sha256(blob)).body()).isEqualTo(blob);
        assertThat(uploadFiles()).isEmpty();
    }

    /** The last byte the session holds, from the Range header of GET on the upload. */
    private static String rangeEnd(FaultClient client, String location) throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(client.resolve(location)).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        String range = response.headers().firstValue("Range").orElseThrow();
        return range.substring(range.indexOf('-') + 1);
    }
}
