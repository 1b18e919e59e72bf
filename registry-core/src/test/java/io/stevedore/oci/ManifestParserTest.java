package io.stevedore.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ManifestParserTest {
    private static final String D1 = "sha256:" + "a".repeat(64);
    private static final String D2 = "sha256:" + "b".repeat(64);

    private static Manifest parse(String json, String contentType) {
        return ManifestParser.parse(json.getBytes(StandardCharsets.UTF_8), contentType);
    }

    @Test
    void imageManifestListsConfigLayersAndSubject() {
        Manifest m = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.example.sbom","digest":"%s","size":2},
                 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":10}],
                 "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":5},
                 "annotations":{"a":"b"}}""".formatted(D1, D2, D1), MediaTypes.OCI_MANIFEST);
        assertThat(m.isIndex()).isFalse();
        assertThat(m.requiredBlobs().map(d -> d.digest().toString())).containsExactly(D1, D2);
        assertThat(m.subject().digest().toString()).isEqualTo(D1);
        assertThat(m.artifactType()).as("falls back to the config media type").isEqualTo("application/vnd.example.sbom");
        assertThat(m.annotations()).containsEntry("a", "b");
    }

    @Test
    void indexListsChildManifestsWithPlatforms() {
        Manifest m = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",
                 "manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"%s",
                   "size":7,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]}""".formatted(D1), null);
        assertThat(m.isIndex()).isTrue();
        assertThat(m.manifests()).singleElement().satisfies(d -> assertThat(d.platform().toString())
                .isEqualTo("linux/arm64/v8"));
    }

    @Test
    void foreignLayersAreNotRequired() {
        Manifest m = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
                 "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"%s","size":2},
                 "layers":[{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","digest":"%s",
                   "size":10,"urls":["https://example.invalid/layer"]}]}""".formatted(D1, D2), null);
        assertThat(m.requiredBlobs().map(d -> d.digest().toString())).containsExactly(D1);
    }

    @Test
    void schema1IsRefusedWithAClearReason() {
        assertThatThrownBy(() -> parse("{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}", null))
                .isInstanceOf(InvalidManifestException.class).hasMessageContaining("schema 1");
        assertThatThrownBy(() -> parse("{}", MediaTypes.DOCKER_SCHEMA1_SIGNED))
                .isInstanceOf(InvalidManifestException.class).hasMessageContaining("schema 1");
    }

    @Test
    void malformedManifestsAreRefused() {
        for (String bad : new String[] {"not json", "[]", "{\"schemaVersion\":2}",
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                        + "\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:abc\",\"size\":1},\"layers\":[]}",
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                        + "\"config\":{\"mediaType\":\"x\",\"digest\":\"" + D1 + "\",\"size\":-1},\"layers\":[]}",
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" + D1 + "\",\"size\":1},"
                        + "\"layers\":[],\"annotations\":{\"a\":{\"nested\":1}}}",
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" + D1 + "\",\"size\":1,"
                        + "\"urls\":[1]},\"layers\":[]}",
                "[".repeat(5000) + "]".repeat(5000)}) {
            assertThatThrownBy(() -> parse(bad, MediaTypes.OCI_MANIFEST)).as(bad)
                    .isInstanceOf(InvalidManifestException.class);
        }
    }

    @Test
    void contentTypeMustAgreeWithTheDeclaredMediaType() {
        String json = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}";
        assertThatThrownBy(() -> parse(json, MediaTypes.OCI_MANIFEST)).isInstanceOf(InvalidManifestException.class);
        assertThat(parse(json, MediaTypes.OCI_INDEX + "; charset=utf-8").isIndex()).isTrue();
    }
}
