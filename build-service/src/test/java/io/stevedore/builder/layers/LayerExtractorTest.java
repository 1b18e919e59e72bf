package io.stevedore.builder.layers;

import io.stevedore.builder.files.PosixMetadata;
import io.stevedore.builder.sandbox.OverlayMount;
import io.stevedore.oci.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LayerExtractorTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path temp;

    @Test
    void whiteoutsAndOpaqueDirectoriesHideLowerFilesInAnOverlayMount() throws Exception {
        Path base = temp.resolve("base");
        Path top = temp.resolve("top");
        LayerExtractor.extract(stream(new TestTar()
                .file("gone-at-top", "x")
                .dir("a").file("a/keep", "k").file("a/gone", "g")
                .dir("opaque").file("opaque/old1", "1").dir("opaque/olddir").file("opaque/olddir/f", "f")
                .bytes()), base);
        LayerExtractor.extract(stream(TestTar.gzip(new TestTar()
                .file(".wh.gone-at-top", "")
                .dir("a").file("a/.wh.gone", "")
                .dir("opaque").file("opaque/.wh.old1", "").file("opaque/.wh..wh..opq", "").file("opaque/new", "n")
                .bytes())), top);

        assertThat(xattr(top.resolve("opaque"), "overlay.opaque")).isEqualTo("y");
        assertThat(xattr(top.resolve("a"), "overlay.opaque")).isEqualTo("x");
        assertThat(xattr(top.resolve("a/gone"), "overlay.whiteout")).isNotNull();
        assertThat(top.resolve("opaque/old1")).as("whiteouts inside an opaque dir are dropped").doesNotExist();

        try (OverlayMount mount = OverlayMount.mount(List.of(top, base), temp.resolve("upper"), temp.resolve("work"),
                temp.resolve("merged"))) {
            Path merged = mount.merged();
            assertThat(merged.resolve("gone-at-top")).doesNotExist();
            assertThat(merged.resolve("a/keep")).hasContent("k");
            assertThat(merged.resolve("a/gone")).doesNotExist();
            assertThat(merged.resolve("opaque/new")).hasContent("n");
            assertThat(merged.resolve("opaque/old1")).doesNotExist();
            assertThat(merged.resolve("opaque/olddir")).doesNotExist();
            try (var listing = Files.list(merged.resolve("opaque"))) {
                assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("new");
            }
        }
    }

    @Test
    void diffIdIsTheSha256OfTheUncompressedTarWhateverTheCompression() throws Exception {
        byte[] tar = new TestTar().file("f", "content").bytes();
        Digest expected = Digest.sha256(tar);

        assertThat(LayerExtractor.extract(stream(tar), temp.resolve("plain"))).isEqualTo(expected);
        assertThat(LayerExtractor.extract(stream(TestTar.gzip(tar)), temp.resolve("gzip"))).isEqualTo(expected);
        ByteArrayOutputStream zstd = new ByteArrayOutputStream();
        try (var out = new com.github.luben.zstd.ZstdOutputStream(zstd)) {
            out.write(tar);
        }
        assertThat(LayerExtractor.extract(stream(zstd.toByteArray()), temp.resolve("zstd"))).isEqualTo(expected);
        assertThat(temp.resolve("zstd/f")).hasContent("content");
    }

    @Test
    void ownerModeWithSpecialBitsAndMtimeAreRestored() throws Exception {
        Path root = temp.resolve("root");
        LayerExtractor.extract(stream(new TestTar()
                .dir("bin", 0755, 0, 0)
                .file("bin/su", "#!", 04755, 0, 0, 1_500_000_000L)
                .file("bin/wall", "#!", 02755, 0, 5, 1_500_000_001L)
                .dir("tmp", 01777, 0, 0)
                .dir("home/user", 0700, 1000, 1000)
                .file("home/user/notes", "n", 0600, 1000, 1001, 1_400_000_000L)
                .symlink("home/user/link", "notes")
                .bytes()), root);

        assertThat(mode(root.resolve("bin/su"))).isEqualTo(04755);
        assertThat(mode(root.resolve("bin/wall"))).isEqualTo(02755);
        assertThat(Files.getAttribute(root.resolve("bin/wall"), "unix:gid")).isEqualTo(5);
        assertThat(mode(root.resolve("tmp"))).isEqualTo(01777);
        assertThat(mode(root.resolve("home/user"))).isEqualTo(0700);
        assertThat(Files.getAttribute(root.resolve("home/user/notes"), "unix:uid")).isEqualTo(1000);
        assertThat(Files.getAttribute(root.resolve("home/user/notes"), "unix:gid")).isEqualTo(1001);
        assertThat(Files.getLastModifiedTime(root.resolve("home/user/notes"))).isEqualTo(FileTime.fromMillis(1_400_000_000_000L));
        assertThat(Files.getLastModifiedTime(root.resolve("bin"))).as("directory mtime survives its children")
                .isEqualTo(FileTime.fromMillis(1_600_000_000_000L));
        assertThat(Files.readSymbolicLink(root.resolve("home/user/link"))).isEqualTo(Path.of("notes"));
        assertThat(Files.getLastModifiedTime(root.resolve("home/user/link"), NOFOLLOW))
                .isEqualTo(FileTime.fromMillis(1_600_000_000_000L));
    }

    @Test
    void hardLinksWithinTheLayerShareTheInode() throws Exception {
        Path root = temp.resolve("root");
        LayerExtractor.extract(stream(new TestTar()
                .file("usr/bin/perl", "p").hardLink("usr/bin/perl5.36", "usr/bin/perl").bytes()), root);

        assertThat(Files.getAttribute(root.resolve("usr/bin/perl5.36"), "unix:ino"))
                .isEqualTo(Files.getAttribute(root.resolve("usr/bin/perl"), "unix:ino"));
    }

    @Test
    void laterEntriesReplaceEarlierOnesOfAnotherType() throws Exception {
        Path root = temp.resolve("root");
        LayerExtractor.extract(stream(new TestTar()
                .file("x", "file first")
                .dir("x").file("x/inside", "i")
                .dir("y").file("y/child", "c")
                .file("y", "now a file")
                .symlink("z", "x")
                .file("z", "symlink replaced, not followed")
                .bytes()), root);

        assertThat(root.resolve("x")).isDirectory();
        assertThat(root.resolve("x/inside")).hasContent("i");
        assertThat(root.resolve("y")).isRegularFile().hasContent("now a file");
        assertThat(Files.isSymbolicLink(root.resolve("z"))).isFalse();
        assertThat(root.resolve("x/inside")).hasContent("i");
    }

    @Test
    void absoluteEntryNamesAreTakenRelativeToTheRoot() throws Exception {
        Path root = temp.resolve("root");
        LayerExtractor.extract(stream(new TestTar().file("/abs/file", "a").bytes()), root);

        assertThat(root.resolve("abs/file")).hasContent("a");
    }

    @Test
    void entryClimbingOutOfTheRootIsRefusedWithItsName() {
        Path root = temp.resolve("root");
        assertThatThrownBy(() -> LayerExtractor.extract(stream(new TestTar().file("../etc/passwd", "x").bytes()), root))
                .isInstanceOf(HostileArchiveException.class).hasMessageContaining("../etc/passwd");
        assertThatThrownBy(() -> LayerExtractor.extract(stream(new TestTar().file("a/../../x", "x").bytes()), root))
                .isInstanceOf(HostileArchiveException.class).hasMessageContaining("a/../../x");
        assertThat(temp.resolve("etc")).doesNotExist();
        assertThat(temp.resolve("x")).doesNotExist();
    }

    @Test
    void writingThroughASymlinkOfTheLayerIsRefused() throws Exception {
        Path outside = Files.createDirectories(temp.resolve("outside"));
        Path root = temp.resolve("root");
        assertThatThrownBy(() -> LayerExtractor.extract(stream(new TestTar()
                .symlink("evil", outside.toString())
                .file("evil/passwd", "owned").bytes()), root))
                .isInstanceOf(HostileArchiveException.class).hasMessageContaining("evil/passwd");
        assertThatThrownBy(() -> LayerExtractor.extract(stream(new TestTar()
                .symlink("rel", "../outside")
                .file("rel/passwd", "owned").bytes()), temp.resolve("root2")))
                .isInstanceOf(HostileArchiveException.class).hasMessageContaining("rel/passwd");
        assertThat(outside.resolve("passwd")).doesNotExist();
    }

    @Test
    void hardLinksOutsideTheRootOrToMissingFilesAreRefused() throws Exception {
        Path secret = Files.writeString(temp.resolve("secret"), "s");
        assertThatThrownBy(() -> LayerExtractor.extract(stream(new TestTar()
                .hardLink("stolen", "../secret").bytes()), temp.resolve("root1")))
                .isInstanceOf(HostileArchiveException.class).hasMessageContaining("stolen");
        assertThatThrownBy(() -> LayerExtractor.extract(stream(new TestTar()
                .hardLink("dangling", "not/there").bytes()), temp.resolve("root2")))
                .isInstanceOf(HostileArchiveException.class).hasMessageContaining("dangling");
        assertThatThrownBy(() -> LayerExtractor.extract(stream(new TestTar()
                .symlink("up", temp.toString())
                .hardLink("stolen", "up/secret").bytes()), temp.resolve("root3")))
                .isInstanceOf(HostileArchiveException.class).hasMessageContaining("stolen");
        assertThat((Integer) Files.getAttribute(secret, "unix:nlink")).isEqualTo(1);
    }

    @Test
    void devicesOtherThanWhiteoutsAreSkipped() throws Exception {
        Path root = temp.resolve("root");
        LayerExtractor.extract(stream(new TestTar().charDevice("dev/null", 1, 3).file("dev/.keep", "").bytes()), root);

        assertThat(root.resolve("dev/null")).doesNotExist();
        assertThat(root.resolve("dev/.keep")).exists();
    }

    static ByteArrayInputStream stream(byte[] bytes) {
        return new ByteArrayInputStream(bytes);
    }

    static int mode(Path path) throws Exception {
        return (Integer) Files.getAttribute(path, "unix:mode") & 07777;
    }

    static String xattr(Path path, String name) throws Exception {
        var view = Files.getFileAttributeView(path, java.nio.file.attribute.UserDefinedFileAttributeView.class, NOFOLLOW);
        if (!view.list().contains(name)) {
            return null;
        }
        var buffer = java.nio.ByteBuffer.allocate(view.size(name));
        view.read(name, buffer);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }

    static Map<String, Object> stat(Path path) throws Exception {
        return PosixMetadata.stat(path);
    }
}
