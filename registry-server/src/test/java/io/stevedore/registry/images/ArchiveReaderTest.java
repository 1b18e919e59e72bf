package io.stevedore.registry.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

class ArchiveReaderTest {

    @Test
    void readsPaxLongNamesAndEntryDataAndSkipsWhatIsNotRead() throws IOException {
        String longName = "blobs/sha256/" + "a".repeat(120);
        byte[] tar = tar(out -> {
            put(out, longName, "first".getBytes());
            put(out, "second", "2".getBytes());
        });
        ArchiveReader reader = new ArchiveReader(new ByteArrayInputStream(tar));
        ArchiveReader.Entry first = reader.next();
        assertThat(first.name()).isEqualTo(longName);
        assertThat(first.type()).isEqualTo('0');
        assertThat(first.size()).isEqualTo(5);
        ArchiveReader.Entry second = reader.next();
        assertThat(second.name()).isEqualTo("second");
        assertThat(reader.data().readAllBytes()).isEqualTo("2".getBytes());
        assertThat(reader.next()).isNull();
    }

    @Test
    void aCorruptHeaderIsMalformedAndATruncatedEntryEndsEarly() throws IOException {
        byte[] tar = tar(out -> put(out, "file", new byte[1000]));
        byte[] corrupt = tar.clone();
        corrupt[10] ^= 1;
        assertThatThrownBy(() -> new ArchiveReader(new ByteArrayInputStream(corrupt)).next())
                .isInstanceOf(ArchiveReader.Malformed.class).hasMessageContaining("checksum");
        ArchiveReader truncated = new ArchiveReader(new ByteArrayInputStream(Arrays.copyOf(tar, 700)));
        truncated.next();
        assertThatThrownBy(() -> truncated.data().readAllBytes()).isInstanceOf(EOFException.class);
    }

    @FunctionalInterface
    private interface Writer {
        void write(TarArchiveOutputStream out) throws IOException;
    }

    private static byte[] tar(Writer writer) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            writer.write(out);
        }
        return bytes.toByteArray();
    }

    private static void put(TarArchiveOutputStream out, String name, byte[] content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        out.putArchiveEntry(entry);
        out.write(content);
        out.closeArchiveEntry();
    }
}
