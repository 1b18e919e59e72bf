package io.stevedore.builder.layers;

import io.stevedore.builder.files.PosixMetadata;
import io.stevedore.builder.host.SearchPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Without setfattr/getfattr (Debian package attr) file capabilities cannot be kept, and a build
 * that would lose one fails instead of pushing an image without it. The tools are "uninstalled"
 * by giving {@link SecurityXattrs} a search path that holds neither.
 */
class FileCapabilityToolsTest {
    /** cap_net_raw+ep as version-2 bytes; every byte ASCII so a PAX record carries it verbatim. */
    private static final String NET_RAW = "\u0001\u0000\u0000\u0002\u0000\u0020\u0000\u0000\u0000\u0000\u0000\u0000"
            + "\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000";

    @TempDir
    Path temp;

    private SecurityXattrs withoutAttr() {
        return new SecurityXattrs(new SearchPath(List.of(temp.resolve("empty-bin"))));
    }

    @Test
    void aLayerCarryingACapabilityFailsToExtractWithoutSetfattrNamingTheFileAndThePackage() {
        byte[] layer = new TestTar()
                .dir("usr").dir("usr/bin")
                .fileWithXattr("usr/bin/ping", "ping", 0755, SecurityXattrs.CAPABILITY, NET_RAW)
                .bytes();

        assertThatThrownBy(() -> LayerExtractor.extract(new ByteArrayInputStream(layer), temp.resolve("x"), withoutAttr()))
                .isInstanceOf(CapabilityLossException.class)
                .hasMessage("a layer carries file capabilities (security.capability on usr/bin/ping) but setfattr is not"
                        + " installed (Debian package attr): refusing to build an image that would silently lose them")
                .satisfies(e -> assertThat(((CapabilityLossException) e).messageAbout("layer sha256:abc"))
                        .startsWith("layer sha256:abc carries file capabilities (security.capability on usr/bin/ping)"));
    }

    @Test
    void anAddedArchiveCarryingACapabilityFailsTheSameWay() {
        byte[] archive = new TestTar()
                .fileWithXattr("./bin/ping", "ping", 0755, SecurityXattrs.CAPABILITY, NET_RAW)
                .bytes();

        assertThatThrownBy(() -> TarExtraction.extract(new ByteArrayInputStream(archive), temp.resolve("dest"),
                TarExtraction.Mode.ADDED_ARCHIVE, 0, 0, withoutAttr()))
                .isInstanceOf(CapabilityLossException.class)
                .hasMessageStartingWith("an added archive carries file capabilities (security.capability on bin/ping)");
    }

    @Test
    void aLayerWithoutCapabilitiesExtractsWithoutSetfattr() {
        byte[] layer = new TestTar().dir("usr").file("usr/tool", "t", 0755, 0, 0, 1_600_000_000L).bytes();

        LayerExtractor.extract(new ByteArrayInputStream(layer), temp.resolve("x"), withoutAttr());

        assertThat(temp.resolve("x/usr/tool")).hasContent("t");
    }

    @Test
    void writingALayerWithAnExecutableFailsWithoutGetfattrBecauseItsCapabilityCannotBeRead() throws Exception {
        Path tree = temp.resolve("tree");
        Files.createDirectories(tree.resolve("usr/bin"));
        Files.writeString(tree.resolve("usr/bin/ping"), "ping");
        PosixMetadata.setMode(tree.resolve("usr/bin/ping"), 0755);
        Files.writeString(tree.resolve("usr/readme"), "r");

        assertThatThrownBy(() -> LayerWriter.write(tree, temp.resolve("l.tgz"), LayerOptions.defaults(), withoutAttr()))
                .isInstanceOf(CapabilityLossException.class)
                .hasMessage("the new layer holds the executable usr/bin/ping, which may carry file capabilities"
                        + " (security.capability), but getfattr is not installed (Debian package attr):"
                        + " refusing to build an image that would silently lose them");
    }

    @Test
    void writingALayerWithoutExecutablesNeedsNoGetfattrSinceNoCapabilityThereCouldTakeEffect() throws Exception {
        Path tree = temp.resolve("tree");
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/config"), "c");
        Files.createSymbolicLink(tree.resolve("etc/link"), Path.of("/bin/sh"));

        LayerBlob blob = LayerWriter.write(tree, temp.resolve("l.tgz"), LayerOptions.defaults(), withoutAttr());

        assertThat(LayerWriterTest.entries(blob.file())).extracting(e -> e.getName())
                .containsExactly("etc/", "etc/config", "etc/link");
    }
}
