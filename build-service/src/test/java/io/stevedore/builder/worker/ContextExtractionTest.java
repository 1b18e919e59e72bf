package io.stevedore.builder.worker;

import io.stevedore.builder.layers.HostileArchiveException;
import io.stevedore.builder.layers.TarEntry;
import io.stevedore.builder.layers.TarExtraction;
import io.stevedore.builder.layers.TarWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Uploaded contexts as a worker unpacks them (TarExtraction.Mode.BUILD_CONTEXT). */
class ContextExtractionTest {
    @TempDir
    Path temp;

    @Test
    void hostileEntriesAreRefused() {
        assertRefused(tar(t -> entry(t, "/etc/cron.d/x", TarEntry.REGULAR, 0644, null)), "absolute path");
        assertRefused(tar(t -> entry(t, "a/../../x", TarEntry.REGULAR, 0644, null)), "'..'");
        assertRefused(tar(t -> entry(t, "null", TarEntry.CHAR_DEVICE, 0666, null)), "device or fifo");
        assertRefused(tar(t -> {
            entry(t, "out", TarEntry.SYMLINK, 0777, "/tmp");
            entry(t, "out/planted", TarEntry.REGULAR, 0644, null);
        }), "is a symlink");
        assertRefused(tar(t -> entry(t, "hard", TarEntry.HARD_LINK, 0644, "../../etc/passwd")), "escapes the root");
    }

    @Test
    void modesAreKeptWithoutSetuidAndSymlinksStaySymlinks() throws IOException {
        Path root = temp.resolve("ctx");
        TarExtraction.extract(new ByteArrayInputStream(tar(t -> {
            entry(t, "bin/tool", TarEntry.REGULAR, 04755, null);
            entry(t, "docs", TarEntry.SYMLINK, 0777, "/usr/share/doc");
        })), root, TarExtraction.Mode.BUILD_CONTEXT, TarExtraction.KEEP_OWNER, TarExtraction.KEEP_OWNER);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("bin/tool")))).isEqualTo("rwxr-xr-x");
        assertThat(Files.readSymbolicLink(root.resolve("docs"))).isEqualTo(Path.of("/usr/share/doc"));
    }

    private void assertRefused(byte[] tar, String reason) {
        Path root = temp.resolve("ctx-" + System.nanoTime());
        assertThatThrownBy(() -> TarExtraction.extract(new ByteArrayInputStream(tar), root,
                TarExtraction.Mode.BUILD_CONTEXT, TarExtraction.KEEP_OWNER, TarExtraction.KEEP_OWNER))
                .isInstanceOf(HostileArchiveException.class).hasMessageContaining(reason);
    }

    private interface Entries {
        void write(TarWriter tar) throws IOException;
    }

    private static byte[] tar(Entries entries) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            TarWriter tar = new TarWriter(bytes);
            entries.write(tar);
            tar.finish();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void entry(TarWriter tar, String name, char type, int mode, String link) throws IOException {
        byte[] content = type == TarEntry.REGULAR ? "x".getBytes() : new byte[0];
        tar.writeHeader(name, type, content.length, mode, 0, 0, 0, link, Map.of());
        tar.entryOutput().write(content);
        tar.pad(content.length);
    }
}
