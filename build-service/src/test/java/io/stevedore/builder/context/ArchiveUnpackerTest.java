package io.stevedore.builder.context;

import io.stevedore.builder.layers.HostileArchiveException;
import io.stevedore.builder.layers.TestTar;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArchiveUnpackerTest {
    @TempDir
    Path temp;

    private static byte[] archive() {
        return new TestTar().dir("pkg", 0755, 0, 0).file("pkg/bin", "tool", 0755, 1000, 1000, 1_600_000_000L)
                .file("pkg/.wh.stays-a-file", "w").symlink("pkg/current", "bin").bytes();
    }

    @Test
    void plainGzipBzip2XzAndZstdArchivesAreUnpackedIntoTheDestination() throws Exception {
        byte[] tar = archive();
        assertUnpacks("plain.tar", tar);
        assertUnpacks("g.tgz", TestTar.gzip(tar));
        assertUnpacks("b.tbz", compress(tar, BZip2CompressorOutputStream::new));
        assertUnpacks("x.txz", compress(tar, out -> new XZOutputStream(out, new LZMA2Options())));
        assertUnpacks("z.tzst", compress(tar, com.github.luben.zstd.ZstdOutputStream::new));
    }

    private void assertUnpacks(String name, byte[] bytes) throws Exception {
        Path file = Files.write(temp.resolve(name + ".bin"), bytes);  // the name says nothing
        Path rootfs = Files.createDirectories(temp.resolve("rootfs-" + name));

        assertThat(ArchiveUnpacker.unpackIfArchive(file, rootfs, "/opt/", null)).isTrue();

        assertThat(rootfs.resolve("opt/pkg/bin")).hasContent("tool");
        assertThat(Files.getAttribute(rootfs.resolve("opt/pkg/bin"), "unix:uid")).isEqualTo(1000);
        assertThat(rootfs.resolve("opt/pkg/.wh.stays-a-file")).hasContent("w");
        assertThat(Files.readSymbolicLink(rootfs.resolve("opt/pkg/current"))).isEqualTo(Path.of("bin"));
    }

    @Test
    void chownReplacesTheArchivesOwners() throws Exception {
        Path file = Files.write(temp.resolve("a.tar"), archive());
        Path rootfs = Files.createDirectories(temp.resolve("rootfs"));

        ArchiveUnpacker.unpackIfArchive(file, rootfs, "/opt", new Ownership(42, 43));

        assertThat(Files.getAttribute(rootfs.resolve("opt/pkg/bin"), "unix:uid")).isEqualTo(42);
        assertThat(Files.getAttribute(rootfs.resolve("opt/pkg/bin"), "unix:gid")).isEqualTo(43);
    }

    @Test
    void filesThatAreNotTarArchivesAreLeftForAPlainCopy() throws Exception {
        Path rootfs = Files.createDirectories(temp.resolve("rootfs"));
        Path text = Files.writeString(temp.resolve("notes.tar.gz"), "not an archive at all, despite the name");
        Path gzippedText = Files.write(temp.resolve("notes.gz"), TestTar.gzip("plain text".getBytes()));

        assertThat(ArchiveUnpacker.unpackIfArchive(text, rootfs, "/opt/", null)).isFalse();
        assertThat(ArchiveUnpacker.unpackIfArchive(gzippedText, rootfs, "/opt/", null)).isFalse();
        assertThat(rootfs.resolve("opt")).doesNotExist();
    }

    @Test
    void entriesEscapingTheDestinationAreRefusedAndLinksStayInside() throws Exception {
        Path rootfs = Files.createDirectories(temp.resolve("rootfs"));
        Path climbing = Files.write(temp.resolve("c.tar"), new TestTar().file("../../etc/passwd", "x").bytes());
        Path stealing = Files.write(temp.resolve("s.tar"), new TestTar().hardLink("h", "../../../etc/passwd").bytes());
        Path outside = Files.createDirectories(temp.resolve("outside"));
        Path throughLink = Files.write(temp.resolve("l.tar"), TestTar.gzip(new TestTar()
                .symlink("evil", outside.toString()).file("evil/planted", "p").bytes()));

        assertThatThrownBy(() -> ArchiveUnpacker.unpackIfArchive(climbing, rootfs, "/opt", null))
                .isInstanceOf(HostileArchiveException.class).hasMessageContaining("../../etc/passwd");
        assertThatThrownBy(() -> ArchiveUnpacker.unpackIfArchive(stealing, rootfs, "/opt", null))
                .isInstanceOf(HostileArchiveException.class).hasMessageContaining("'h'");
        ArchiveUnpacker.unpackIfArchive(throughLink, rootfs, "/opt", null);
        assertThat(outside.resolve("planted")).doesNotExist();
        assertThat(rootfs.resolve("opt").resolve(outside.toString().substring(1)).resolve("planted")).hasContent("p");
    }

    interface Compressor {
        OutputStream wrap(OutputStream out) throws Exception;
    }

    private static byte[] compress(byte[] data, Compressor compressor) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = compressor.wrap(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }
}
