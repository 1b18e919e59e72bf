package io.stevedore.registry.e2e;

import static io.stevedore.registry.e2e.Processes.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.json.Json;
import io.stevedore.registry.RegistryTestSupport;
import io.stevedore.storage.BlobStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The image management API ({@code /api/v1/images}) against a real server, checked with the
 * tools people use: docker load/save/pull/run/history and skopeo. Images are the deterministic
 * busybox fixtures; tests needing docker or skopeo are skipped when those are missing.
 */
class ImagesApiE2ETest extends RegistryTestSupport {

    @TempDir
    Path work;

    private final List<String> dockerImages = new ArrayList<>();

    @BeforeEach
    void openRegistry() {
        assumeTrue(registryAccount() == null,
                "calls the API without credentials; ImagesApiAccessTest covers authentication");
    }

    @AfterEach
    void removeDockerImages() {
        for (String image : dockerImages) {
            Processes.run("docker", "rmi", "-f", image);
        }
    }

    @Test
    void exportedDockerArchiveIsLoadedAndRunByDocker() throws Exception {
        Processes.assumeInstalled("skopeo", "skopeo");
        Processes.assumeDockerDaemon();
        BusyboxImages.Layout layout = BusyboxImages.amd64Layout(work.resolve("layout"));
        String repository = "e2e/export-" + RegistryHttp.randomSuffix();
        check("skopeo", "copy", "--dest-tls-verify=false", layout.reference(BusyboxImages.AMD64),
                "docker://" + registryHost() + "/" + repository + ":1");

        Path tar = work.resolve("exported.tar");
        HttpResponse<Path> export = http().send(get("/api/v1/images/" + repository + "/manifests/1/export"),
                HttpResponse.BodyHandlers.ofFile(tar));
        assertThat(export.statusCode()).isEqualTo(200);
        assertThat(export.headers().firstValue("Content-Type")).hasValue("application/x-tar");

        dockerImages.add(repository + ":1");
        String loaded = check("docker", "load", "-i", tar.toString()).out();
        assertThat(loaded).contains(repository + ":1");
        String output = check("docker", "run", "--rm", "--network", "none", repository + ":1", "echo", "loaded")
                .out();
        assertThat(output.strip()).isEqualTo("loaded");
    }

    /** docker save of an image docker built (so its history has empty layers) → import → pull → run; history alike. */
    @Test
    void dockerSaveImportIsPulledAndRunAndItsHistoryMatchesDockerHistory() throws Exception {
        Processes.assumeDockerDaemon();
        String suffix = RegistryHttp.randomSuffix();
        String base = "stevedore-images-base-" + suffix + ":1";
        String built = "stevedore-images-built-" + suffix + ":1";
        Path baseTar = work.resolve("base.tar");
        BusyboxImages.writeDockerArchive(BusyboxImages.amd64Image(), base, baseTar);
        dockerImages.add(base);
        check("docker", "load", "-i", baseTar.toString());
        Path context = Files.createDirectories(work.resolve("context"));
        Files.writeString(context.resolve("Dockerfile"), """
                FROM %s
                ENV GREETING=imported
                LABEL org.example.test=images
                RUN echo made-by-run > /made.txt
                CMD ["cat", "/made.txt"]
                """.formatted(base));
        dockerImages.add(built);
        check("env", "DOCKER_BUILDKIT=0", "docker", "build", "--network", "none", "-t", built, context.toString());
        Path saved = work.resolve("saved.tar");
        check("docker", "save", "-o", saved.toString(), built);

        String repository = "e2e/import-" + suffix;
        HttpResponse<String> imported = http().send(HttpRequest.newBuilder(url("/api/v1/images/" + repository
                        + "/import?tag=2")).header("Content-Type", "application/x-tar")
                .POST(HttpRequest.BodyPublishers.ofFile(saved)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);

        String pulled = registryHost() + "/" + repository + ":2";
        dockerImages.add(pulled);
        check("docker", "pull", pulled);
        assertThat(check("docker", "run", "--rm", "--network", "none", pulled).out().strip())
                .isEqualTo("made-by-run");

        List<String> dockerHistory = check("docker", "history", "--no-trunc", "--format", "{{.CreatedBy}}", built)
                .out().lines().toList();
        JsonNode history = getJson("/api/v1/images/" + repository + "/manifests/2/history");
        List<String> ours = new ArrayList<>();
        history.forEach(step -> ours.add(step.get("createdBy").asString()));
        assertThat(ours).isEqualTo(dockerHistory);
        assertThat(history.get(0).get("emptyLayer").asBoolean()).as("CMD makes no layer").isTrue();
        assertThat(history.get(0).get("size").asLong()).isZero();
        assertThat(history.get(1).get("emptyLayer").asBoolean()).as("RUN makes a layer").isFalse();
        assertThat(history.get(1).get("size").asLong()).isPositive();

        JsonNode config = getJson("/api/v1/images/" + repository + "/manifests/2/config");
        assertThat(config.get("env").toString()).contains("GREETING=imported");
        assertThat(config.get("cmd").toString()).isEqualTo("[\"cat\",\"/made.txt\"]");
        assertThat(config.get("labels").get("org.example.test").asString()).isEqualTo("images");
        assertThat(config.get("os").asString()).isEqualTo("linux");
        assertThat(config.get("architecture").asString()).isEqualTo("amd64");
    }

    @Test
    void copyOfAMultiPlatformIndexShowsEveryPlatformAndStoresNoNewBlob() throws Exception {
        Processes.assumeInstalled("skopeo", "skopeo");
        BusyboxImages.Layout layout = BusyboxImages.multiPlatformLayout(work.resolve("layout"));
        BusyboxImages.Blob index = layout.refs().get(BusyboxImages.INDEX);
        String suffix = RegistryHttp.randomSuffix();
        String source = "e2e/copy-source-" + suffix;
        String target = "e2e-copies/copy-target-" + suffix;
        check("skopeo", "copy", "--all", "--dest-tls-verify=false", layout.reference(BusyboxImages.INDEX),
                "docker://" + registryHost() + "/" + source + ":1");

        Set<String> blobsBefore = blobs();
        HttpResponse<String> copied = http().send(json("POST", "/api/v1/images/" + target + "/copy",
                "{\"from\":\"" + source + ":1\",\"tag\":\"copied\"}"), HttpResponse.BodyHandlers.ofString());
        assertThat(copied.statusCode()).as(copied.body()).isEqualTo(201);
        assertThat(blobs()).as("the blob store after the copy").isEqualTo(blobsBefore);

        String copy = "docker://" + registryHost() + "/" + target + ":copied";
        byte[] raw = check("skopeo", "inspect", "--raw", "--tls-verify=false", copy).stdout();
        assertThat(raw).isEqualTo(index.content());
        for (String platform : List.of(BusyboxImages.AMD64, BusyboxImages.ARM64)) {
            String digest = layout.refs().get(platform).digest();
            String architecture = check("skopeo", "inspect", "--tls-verify=false", "--format", "{{.Architecture}}",
                    "docker://" + registryHost() + "/" + target + "@" + digest).out().strip();
            assertThat(architecture).isEqualTo(platform);
        }

        JsonNode tags = getJson("/api/v1/images/" + target + "/tags");
        assertThat(tags).hasSize(1);
        JsonNode tag = tags.get(0);
        assertThat(tag.get("tag").asString()).isEqualTo("copied");
        assertThat(tag.get("digest").asString()).isEqualTo(index.digest());
        List<String> platforms = new ArrayList<>();
        tag.get("platforms").forEach(p -> platforms.add(p.get("os").asString() + "/"
                + p.get("architecture").asString() + (p.get("variant").isNull() ? "" : "/" + p.get("variant").asString())));
        assertThat(platforms).containsExactly("linux/amd64", "linux/arm64/v8");
        assertThat(tag.get("platforms").get(0).get("created").asString()).isEqualTo(BusyboxImages.CREATED.toString());
        assertThat(tag.get("platforms").get(0).get("size").asLong()).isPositive();
        assertThat(tag.get("pushedAt").isNull()).isFalse();

        HttpResponse<String> retag = http().send(json("PUT", "/api/v1/images/" + target + "/tags/again",
                "{\"source\":\"copied\"}"), HttpResponse.BodyHandlers.ofString());
        assertThat(retag.statusCode()).as(retag.body()).isEqualTo(200);
        assertThat(getJson("/api/v1/images/" + target + "/tags")).hasSize(2);
        HttpResponse<String> deleted = http().send(HttpRequest.newBuilder(url("/api/v1/images/" + target
                + "/tags/copied")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).isEqualTo(204);
        JsonNode left = getJson("/api/v1/images/" + target + "/tags");
        assertThat(left).hasSize(1);
        assertThat(left.get(0).get("tag").asString()).isEqualTo("again");

        JsonNode found = getJson("/api/v1/images?q=copy-target-" + suffix);
        assertThat(found).hasSize(1);
        assertThat(found.get(0).get("name").asString()).isEqualTo(target);
    }

    @Test
    void ociLayoutExportKeepsEveryPlatformForSkopeo() throws Exception {
        Processes.assumeInstalled("skopeo", "skopeo");
        BusyboxImages.Layout layout = BusyboxImages.multiPlatformLayout(work.resolve("layout"));
        BusyboxImages.Blob index = layout.refs().get(BusyboxImages.INDEX);
        String repository = "e2e/oci-export-" + RegistryHttp.randomSuffix();
        check("skopeo", "copy", "--all", "--dest-tls-verify=false", layout.reference(BusyboxImages.INDEX),
                "docker://" + registryHost() + "/" + repository + ":1");

        Path tar = work.resolve("exported.oci.tar");
        HttpResponse<Path> export = http().send(get("/api/v1/images/" + repository + "/manifests/1/export?format=oci"),
                HttpResponse.BodyHandlers.ofFile(tar));
        assertThat(export.statusCode()).isEqualTo(200);
        assertThat(check("skopeo", "inspect", "--raw", "oci-archive:" + tar).stdout()).isEqualTo(index.content());
        Path copied = work.resolve("copied");
        check("skopeo", "copy", "--all", "oci-archive:" + tar, "oci:" + copied + ":1");
        for (String platform : List.of(BusyboxImages.AMD64, BusyboxImages.ARM64)) {
            for (BusyboxImages.Blob blob : List.of(layout.refs().get(platform))) {
                assertThat(copied.resolve("blobs/sha256/" + blob.digest().substring(7))).exists();
            }
        }

        // and back in, gzipped: the OCI layout import keeps the digests
        String reimported = repository + "-again";
        HttpResponse<String> imported = http().send(HttpRequest.newBuilder(url("/api/v1/images/" + reimported
                        + "/import")).header("Content-Type", "application/gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(BusyboxImages.gzip(Files.readAllBytes(tar)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
        assertThat(check("skopeo", "inspect", "--raw", "--tls-verify=false",
                "docker://" + registryHost() + "/" + reimported + ":1").stdout()).isEqualTo(index.content());
    }

    @Test
    void dockerArchiveExportOfAnIndexTakesThePlatformAskedFor() throws Exception {
        Processes.assumeInstalled("skopeo", "skopeo");
        BusyboxImages.Layout layout = BusyboxImages.multiPlatformLayout(work.resolve("layout"));
        String repository = "e2e/platform-export-" + RegistryHttp.randomSuffix();
        check("skopeo", "copy", "--all", "--dest-tls-verify=false", layout.reference(BusyboxImages.INDEX),
                "docker://" + registryHost() + "/" + repository + ":1");
        for (String platform : List.of(BusyboxImages.AMD64, BusyboxImages.ARM64)) {
            Path tar = work.resolve(platform + ".tar");
            HttpResponse<Path> export = http().send(get("/api/v1/images/" + repository
                    + "/manifests/1/export?platform=linux/" + platform), HttpResponse.BodyHandlers.ofFile(tar));
            assertThat(export.statusCode()).isEqualTo(200);
            JsonNode manifest = Json.MAPPER.readTree(check("tar", "-xOf", tar.toString(), "manifest.json").stdout());
            JsonNode config = Json.MAPPER.readTree(check("tar", "-xOf", tar.toString(),
                    manifest.get(0).get("Config").asString()).stdout());
            assertThat(config.get("architecture").asString()).isEqualTo(platform);
            assertThat(manifest.get(0).get("RepoTags").get(0).asString()).isEqualTo(repository + ":1");
        }
        HttpResponse<String> missing = http().send(get("/api/v1/images/" + repository
                + "/manifests/1/export?platform=linux/s390x"), HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("linux/amd64", "linux/arm64");
    }

    @Test
    void hostileArchivesAreRefusedNamingTheEntryAndStoreNothing() throws Exception {
        String repository = "e2e/hostile-" + RegistryHttp.randomSuffix();
        Set<String> blobsBefore = blobs();
        assertRefused(repository, "../escape", tar -> file(tar, "../escape", new byte[10]));
        assertRefused(repository, "/etc/passwd", tar -> file(tar, "/etc/passwd", new byte[10]));
        assertRefused(repository, "blobs/sha256/link", tar -> {
            file(tar, "oci-layout", "{}".getBytes(StandardCharsets.UTF_8));
            TarArchiveEntry link = new TarArchiveEntry("blobs/sha256/link", TarConstants.LF_SYMLINK);
            link.setLinkName("/etc/shadow");
            put(tar, link, null);
        });
        assertRefused(repository, "dev/sda", tar -> {
            TarArchiveEntry device = new TarArchiveEntry("dev/sda", TarConstants.LF_BLK);
            put(tar, device, null);
        });
        assertRefused(repository, "larger than", tar -> {
            TarArchiveEntry huge = new TarArchiveEntry("PaxHeaders/huge", TarConstants.LF_PAX_EXTENDED_HEADER_LC);
            put(tar, huge, new byte[1024 * 1024]);
        });
        assertRefused(repository, "blobs/sha256/" + "0".repeat(64), tar -> {
            // a blob whose bytes do not hash to its name, referenced from index.json
            file(tar, "blobs/sha256/" + "0".repeat(64), new byte[3 * 1024 * 1024]);
            file(tar, "index.json", ("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                    + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + "0".repeat(64)
                    + "\",\"size\":3145728}]}").getBytes(StandardCharsets.UTF_8));
        });
        assertThat(blobs()).as("the blob store after refused imports").isEqualTo(blobsBefore);
        HttpResponse<String> tags = http().send(get("/api/v1/images/" + repository + "/tags"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(tags.body()).isEqualTo("[]");
    }

    private void assertRefused(String repository, String named, TarWriter writer) throws Exception {
        Path tar = work.resolve("hostile-" + RegistryHttp.randomSuffix() + ".tar");
        try (OutputStream out = Files.newOutputStream(tar);
             TarArchiveOutputStream archive = new TarArchiveOutputStream(out)) {
            archive.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            writer.write(archive);
        }
        HttpResponse<String> response = http().send(HttpRequest.newBuilder(url("/api/v1/images/" + repository
                        + "/import")).header("Content-Type", "application/x-tar")
                .POST(HttpRequest.BodyPublishers.ofFile(tar)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.body()).contains(named);
    }

    @FunctionalInterface
    private interface TarWriter {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, true);
        entry.setSize(content.length);
        put(tar, entry, content);
    }

    private static void put(TarArchiveOutputStream tar, TarArchiveEntry entry, byte[] content) throws IOException {
        if (content != null) {
            entry.setSize(content.length);
        }
        tar.putArchiveEntry(entry);
        if (content != null) {
            tar.write(content);
        }
        tar.closeArchiveEntry();
    }

    private static Set<String> blobs() throws IOException {
        Set<String> digests = new HashSet<>();
        context().getBean(BlobStore.class).walk(d -> digests.add(d.toString()));
        return digests;
    }

    private static URI url(String path) {
        return registryUrl().resolve(path);
    }

    private static HttpRequest get(String path) {
        return HttpRequest.newBuilder(url(path)).GET().build();
    }

    private static HttpRequest json(String method, String path, String body) {
        return HttpRequest.newBuilder(url(path)).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static JsonNode getJson(String path) {
        try {
            HttpResponse<byte[]> response = http().send(get(path), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).as(path + ": " + new String(response.body(), StandardCharsets.UTF_8))
                    .isEqualTo(200);
            return Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

}
