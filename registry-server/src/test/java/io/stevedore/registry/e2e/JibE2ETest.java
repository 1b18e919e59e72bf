package io.stevedore.registry.e2e;

import static io.stevedore.registry.e2e.Processes.check;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import io.stevedore.registry.RegistryTestSupport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Jib core, a registry client that runs in this JVM, pushes images to the registry under test; the
 * test then reads the manifest, config and every layer back over HTTP and checks their digests.
 */
class JibE2ETest extends RegistryTestSupport {

    private static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

    @TempDir
    Path work;

    @Test
    void jibPushesAnOciImageFromScratchWhoseManifestAndBlobsAreServed() throws Exception {
        String repository = "e2e/jib-" + RegistryHttp.randomSuffix();
        JibContainer container = withHelloLayer(Jib.fromScratch())
                .setFormat(ImageFormat.OCI)
                .containerize(containerizer(repository));

        JsonNode manifest = verifyPushed(repository, container.getDigest().toString(), BusyboxImages.OCI_MANIFEST);

        JsonNode layers = manifest.path("layers");
        assertThat(layers.size()).isEqualTo(1);
        byte[] layer = RegistryHttp.blob(registryUrl(), repository, layers.get(0).path("digest").asString()).body();
        assertThat(filesIn(layer)).containsEntry("app/hello.txt", "hello from jib\n");
    }

    @Test
    void jibBuildsOnABaseImagePushedFromTheBusyboxLayout() throws Exception {
        Processes.assumeInstalled("skopeo", "skopeo");
        BusyboxImages.Layout layout = BusyboxImages.amd64Layout(work.resolve("layout"));
        String base = registryHost() + "/e2e/jib-base-" + RegistryHttp.randomSuffix() + ":1";
        check("skopeo", "copy", "--dest-tls-verify=false", layout.reference(BusyboxImages.AMD64), "docker://" + base);

        String repository = "e2e/jib-" + RegistryHttp.randomSuffix();
        JibContainer container = withHelloLayer(Jib.from(RegistryImage.named(base)))
                .containerize(containerizer(repository));

        JsonNode manifest = verifyPushed(repository, container.getDigest().toString(), DOCKER_MANIFEST);
        BusyboxImages.Image busybox = BusyboxImages.amd64Image();
        JsonNode layers = manifest.path("layers");
        assertThat(layers.size()).as("busybox layer + the hello layer").isEqualTo(2);
        assertThat(layers.get(0).path("digest").asString()).isEqualTo(busybox.layer().digest());
        JsonNode config = RegistryHttp.blob(registryUrl(), repository, manifest.path("config").path("digest").asString()).json();
        assertThat(config.path("architecture").asString()).isEqualTo("amd64");
        assertThat(config.path("rootfs").path("diff_ids").get(0).asString()).isEqualTo(busybox.diffId());
    }

    private JibContainerBuilder withHelloLayer(JibContainerBuilder builder) throws IOException {
        Path hello = Files.writeString(work.resolve("hello.txt"), "hello from jib\n");
        return builder.setCreationTime(BusyboxImages.CREATED).addLayer(List.of(hello), AbsoluteUnixPath.get("/app"));
    }

    private Containerizer containerizer(String repository) throws Exception {
        return Containerizer.to(RegistryImage.named(registryHost() + "/" + repository + ":latest"))
                .setAllowInsecureRegistries(true)
                .setBaseImageLayersCache(work.resolve("jib-cache/base"))
                .setApplicationLayersCache(work.resolve("jib-cache/app"))
                .setToolName("stevedore-e2e");
    }

    /**
     * GET the manifest by tag {@code latest}: it has the digest Jib reported and the expected media
     * type; its config and every layer are served with their digests and sizes; each layer's
     * uncompressed digest is the config's diff_id. Returns the manifest.
     */
    private JsonNode verifyPushed(String repository, String digest, String mediaType) throws IOException {
        RegistryHttp.Response response = RegistryHttp.manifest(registryUrl(), repository, "latest");
        assertThat(response.status()).as("GET manifest by tag").isEqualTo(200);
        assertThat(BusyboxImages.sha256(response.body())).as("digest of the served manifest").isEqualTo(digest);
        assertThat(response.dockerContentDigest()).as("Docker-Content-Digest").isEqualTo(digest);
        assertThat(response.contentType()).as("Content-Type").isEqualTo(mediaType);
        JsonNode manifest = response.json();
        assertThat(manifest.path("mediaType").asString(mediaType)).isEqualTo(mediaType);

        JsonNode configDescriptor = manifest.path("config");
        byte[] config = verifyBlob(repository, configDescriptor);
        JsonNode diffIds = RegistryHttp.Response.parse(config).path("rootfs").path("diff_ids");
        JsonNode layers = manifest.path("layers");
        assertThat(diffIds.size()).as("diff_ids, one per layer").isEqualTo(layers.size());
        for (int i = 0; i < layers.size(); i++) {
            byte[] layer = verifyBlob(repository, layers.get(i));
            assertThat(BusyboxImages.sha256(gunzip(layer))).as("diff_id of layer " + i).isEqualTo(diffIds.get(i).asString());
        }
        return manifest;
    }

    private byte[] verifyBlob(String repository, JsonNode descriptor) {
        String digest = descriptor.path("digest").asString();
        RegistryHttp.Response blob = RegistryHttp.blob(registryUrl(), repository, digest);
        assertThat(blob.status()).as("GET blob " + digest).isEqualTo(200);
        assertThat(BusyboxImages.sha256(blob.body())).as("digest of blob served as " + digest).isEqualTo(digest);
        assertThat((long) blob.body().length).as("size of " + digest).isEqualTo(descriptor.path("size").asLong());
        return blob.body();
    }

    private static byte[] gunzip(byte[] gzip) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return in.readAllBytes();
        }
    }

    /** Regular files of a gzip tar layer, name (without leading slash) to UTF-8 content. */
    private static Map<String, String> filesIn(byte[] layer) throws IOException {
        Map<String, String> files = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(gunzip(layer)))) {
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                if (entry.isFile()) {
                    files.put(entry.getName().replaceFirst("^/", ""), new String(tar.readAllBytes(), UTF_8));
                }
            }
        }
        return files;
    }
}
