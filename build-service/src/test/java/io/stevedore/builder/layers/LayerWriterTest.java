package io.stevedore.builder.layers;

import io.stevedore.builder.files.PosixMetadata;
import io.stevedore.builder.host.SearchPath;
import io.stevedore.builder.sandbox.OverlayMount;
import io.stevedore.oci.Digest;
import io.stevedore.oci.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class LayerWriterTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path temp;

    @Test
    void deletionsAndReplacedDirectoriesInAnOverlayUpperBecomeWhiteoutsAndOpaqueMarkers() throws Exception {
        Path lower = temp.resolve("lower");
        Files.createDirectories(lower.resolve("etc/old"));
        Files.writeString(lower.resolve("etc/keep"), "k");
        Files.writeString(lower.resolve("etc/remove-me"), "r");
        Files.writeString(lower.resolve("etc/old/a"), "a");
        Files.writeString(lower.resolve("top"), "t");
        Path upper = temp.resolve("upper");
        try (OverlayMount mount = OverlayMount.mount(List.of(lower), upper,
                temp.resolve("work"), temp.resolve("merged"))) {
            Path merged = mount.merged();
            Files.delete(merged.resolve("etc/remove-me"));
            Files.delete(merged.resolve("top"));
            Files.delete(merged.resolve("etc/old/a"));
            Files.delete(merged.resolve("etc/old"));
            Files.createDirectory(merged.resolve("etc/old"));   // recreated: opaque in the upper dir
            Files.writeString(merged.resolve("etc/old/b"), "b");
        }

        LayerBlob blob = LayerWriter.write(upper, temp.resolve("layer.tar.gz"), LayerOptions.defaults());

        List<String> names = entries(blob.file()).stream().map(TarArchiveEntry::getName).toList();
        assertThat(names).containsExactly(".wh.top", "etc/", "etc/.wh.remove-me", "etc/old/",
                "etc/old/.wh..wh..opq", "etc/old/b");
        Path extracted = temp.resolve("extracted");
        LayerExtractor.extract(Files.newInputStream(blob.file()), extracted);
        try (OverlayMount mount = OverlayMount.mount(List.of(extracted, lower), temp.resolve("u2"), temp.resolve("w2"),
                temp.resolve("m2"))) {
            Path merged = mount.merged();
            assertThat(merged.resolve("etc/keep")).hasContent("k");
            assertThat(merged.resolve("etc/remove-me")).doesNotExist();
            assertThat(merged.resolve("top")).doesNotExist();
            assertThat(merged.resolve("etc/old/a")).doesNotExist();
            assertThat(merged.resolve("etc/old/b")).hasContent("b");
        }
    }

    @Test
    void digestsSizeAndMediaTypeDescribeTheWrittenBlob() throws Exception {
        Path tree = Files.createDirectories(temp.resolve("tree"));
        Files.writeString(tree.resolve("hello"), "hello world");

        LayerBlob blob = LayerWriter.write(tree, temp.resolve("layer.tar.gz"), LayerOptions.defaults());

        byte[] compressed = Files.readAllBytes(blob.file());
        byte[] tar;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(blob.file()))) {
            tar = in.readAllBytes();
        }
        assertThat(blob.digest()).isEqualTo(Digest.sha256(compressed));
        assertThat(blob.size()).isEqualTo(compressed.length);
        assertThat(blob.diffId()).isEqualTo(Digest.sha256(tar));
        assertThat(blob.mediaType()).isEqualTo(MediaTypes.OCI_LAYER_GZIP);
        assertThat(tar.length % 512).isZero();
    }

    @Test
    void headersCarryNumericIdsOnlyAndEntriesAreSortedByNameBytes() throws Exception {
        Path tree = Files.createDirectories(temp.resolve("tree"));
        Files.createDirectories(tree.resolve("a"));
        Files.writeString(tree.resolve("a/z"), "z");
        Files.writeString(tree.resolve("a-b"), "x");
        Files.writeString(tree.resolve("B"), "x");
        Files.writeString(tree.resolve("é"), "x");
        PosixMetadata.setOwner(tree.resolve("a/z"), 1234, 5678);

        List<TarArchiveEntry> entries = entries(LayerWriter.write(tree, temp.resolve("l.tgz"), LayerOptions.defaults()).file());

        assertThat(entries).extracting(TarArchiveEntry::getName).containsExactly("B", "a/", "a-b", "a/z", "é");
        TarArchiveEntry z = entries.get(3);
        assertThat(z.getLongUserId()).isEqualTo(1234);
        assertThat(z.getLongGroupId()).isEqualTo(5678);
        assertThat(entries).allSatisfy(e -> {
            assertThat(e.getUserName()).isEmpty();
            assertThat(e.getGroupName()).isEmpty();
        });
    }

    @Test
    void writingThenExtractingGivesBackTheSameTree() throws Exception {
        Path tree = Files.createDirectories(temp.resolve("tree"));
        Files.createDirectories(tree.resolve("usr/bin"));
        Files.writeString(tree.resolve("usr/bin/tool"), "#!/bin/sh\necho tool\n");
        PosixMetadata.setOwner(tree.resolve("usr/bin/tool"), 0, 50);
        PosixMetadata.setMode(tree.resolve("usr/bin/tool"), 04755);
        Files.createLink(tree.resolve("usr/bin/tool-alias"), tree.resolve("usr/bin/tool"));
        Files.createSymbolicLink(tree.resolve("usr/bin/relative"), Path.of("tool"));
        Files.createSymbolicLink(tree.resolve("absolute"), Path.of("/usr/bin/tool"));
        Path sticky = Files.createDirectories(tree.resolve("tmp"));
        PosixMetadata.setMode(sticky, 01777);
        String longName = "d".repeat(90) + "/" + "f".repeat(120);
        Files.createDirectories(tree.resolve(longName).getParent());
        Files.write(tree.resolve(longName), new byte[3 * 1024 * 1024 + 17]);
        Files.writeString(tree.resolve("ünïcødé name"), "u");
        Path home = Files.createDirectories(tree.resolve("home/user"));
        PosixMetadata.setOwner(home, 1000, 1000);
        PosixMetadata.setMode(home, 0700);
        Files.writeString(home.resolve("note"), "n");
        Files.getFileAttributeView(home.resolve("note"), UserDefinedFileAttributeView.class)
                .write("mime_type", ByteBuffer.wrap("text/plain".getBytes(StandardCharsets.UTF_8)));
        Path ping = Files.writeString(tree.resolve("usr/bin/ping"), "ping");
        byte[] capability = setCapability(ping); // cap_net_raw+ep, binary with a 0x80+ byte
        Files.setLastModifiedTime(tree.resolve("usr/bin/tool"), FileTime.fromMillis(1_234_567_890_000L));
        Files.setLastModifiedTime(tree.resolve("usr"), FileTime.fromMillis(1_111_111_111_000L));

        LayerBlob blob = LayerWriter.write(tree, temp.resolve("layer.tgz"), LayerOptions.defaults());
        Path extracted = temp.resolve("extracted");
        Digest diffId = LayerExtractor.extract(Files.newInputStream(blob.file()), extracted);

        assertThat(diffId).isEqualTo(blob.diffId());
        assertThat(describe(extracted)).isEqualTo(describe(tree));
        assertThat(Files.getAttribute(extracted.resolve("usr/bin/tool-alias"), "unix:ino"))
                .isEqualTo(Files.getAttribute(extracted.resolve("usr/bin/tool"), "unix:ino"));
        assertThat(capability(extracted.resolve("usr/bin/ping"))).isEqualTo(capability);
    }

    @Test
    void theSameTreeGivesTheSameBytesAndAFixedTimeHidesWhenItWasBuilt() throws Exception {
        Path first = makeTree(temp.resolve("first"));
        LayerBlob once = LayerWriter.write(first, temp.resolve("once.tgz"), LayerOptions.defaults());
        LayerBlob twice = LayerWriter.write(first, temp.resolve("twice.tgz"), LayerOptions.defaults());
        assertThat(twice.digest()).isEqualTo(once.digest());
        assertThat(Files.readAllBytes(twice.file())).isEqualTo(Files.readAllBytes(once.file()));

        Path second = makeTree(temp.resolve("second"));
        Files.setLastModifiedTime(second.resolve("file"), FileTime.fromMillis(System.currentTimeMillis() + 10_000_000));
        Instant epoch = Instant.ofEpochSecond(1_000_000_000L);
        LayerOptions fixed = LayerOptions.defaults().withFixedTime(epoch);
        LayerBlob a = LayerWriter.write(first, temp.resolve("a.tgz"), fixed);
        LayerBlob b = LayerWriter.write(second, temp.resolve("b.tgz"), fixed);
        assertThat(b.digest()).isEqualTo(a.digest());
        assertThat(entries(a.file())).allSatisfy(e -> assertThat(e.getModTime().toInstant()).isEqualTo(epoch));
    }

    @Test
    void aLayerSpanningManyChunksIsOneGzipStreamThatGzipTarAndJavaRead() throws Exception {
        Path tree = Files.createDirectories(temp.resolve("tree"));
        Files.write(tree.resolve("random.bin"), ParallelGzipOutputStreamTest.random(3 * 1024 * 1024 + 5, 1));
        Files.write(tree.resolve("log.txt"), ParallelGzipOutputStreamTest.text(2 * 1024 * 1024 + 333, 2));
        Files.write(tree.resolve("mixed.bin"), ParallelGzipOutputStreamTest.mixed(1_500_000, 3));
        for (int i = 0; i < 300; i++) {
            Files.writeString(Files.createDirectories(tree.resolve("small/" + i % 7)).resolve("f" + i), "file " + i);
        }

        LayerBlob blob = LayerWriter.write(tree, temp.resolve("layer.tgz"), LayerOptions.defaults());
        LayerBlob again = LayerWriter.write(tree, temp.resolve("again.tgz"), LayerOptions.defaults());

        assertThat(Files.readAllBytes(again.file())).isEqualTo(Files.readAllBytes(blob.file()));
        byte[] tar = ParallelGzipOutputStreamTest.gunzip(Files.readAllBytes(blob.file()));
        assertThat(Digest.sha256(tar)).isEqualTo(blob.diffId());
        assertThat(Digest.sha256(Files.readAllBytes(blob.file()))).isEqualTo(blob.digest());
        Path extracted = temp.resolve("extracted");
        LayerExtractor.extract(Files.newInputStream(blob.file()), extracted);
        assertThat(describe(extracted)).isEqualTo(describe(tree));
        if (onPath("gzip")) {
            assertThat(run("gzip", "-t", blob.file().toString())).isEmpty();
        }
        if (onPath("tar")) {
            assertThat(run("tar", "-tzf", blob.file().toString()).lines())
                    .contains("random.bin", "log.txt", "mixed.bin", "small/6/f6").hasSize(3 + 1 + 7 + 300);
        }
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv("PATH").split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    /** Runs a tool that must succeed; returns what it printed. */
    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
        return output;
    }

    private static Path makeTree(Path root) throws IOException {
        Files.createDirectories(root.resolve("dir/sub"));
        Files.writeString(root.resolve("file"), "same content");
        Files.writeString(root.resolve("dir/sub/deep"), "deep");
        Files.createSymbolicLink(root.resolve("link"), Path.of("file"));
        return root;
    }

    static List<TarArchiveEntry> entries(Path layer) throws IOException {
        List<TarArchiveEntry> entries = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(layer)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /** path -> type, mode, owner, mtime, size/content hash or link target, user xattrs. */
    static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> description = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.toList()) {
                if (path.equals(root)) {
                    continue;
                }
                Map<String, Object> stat = PosixMetadata.stat(path);
                int mode = (Integer) stat.get("mode");
                String what = Integer.toOctalString(mode) + " " + stat.get("uid") + ":" + stat.get("gid")
                        + " mtime=" + ((FileTime) stat.get("lastModifiedTime")).toMillis() / 1000;
                if (Files.isSymbolicLink(path)) {
                    what += " -> " + Files.readSymbolicLink(path);
                } else if (Files.isRegularFile(path, NOFOLLOW)) {
                    what += " " + Digest.sha256(Files.readAllBytes(path));
                    var view = Files.getFileAttributeView(path, UserDefinedFileAttributeView.class);
                    what += " xattrs=" + view.list();
                }
                description.put(root.relativize(path).toString(), what);
            }
        }
        return description;
    }

    private static byte[] setCapability(Path file) throws Exception {
        assumeTrue(SearchPath.ofThisProcess().contains("setfattr") && SearchPath.ofThisProcess().contains("getfattr"),
                "setfattr/getfattr missing (Debian package attr); .ci/run installs it");
        // version 2, permitted=effective bit 13 (cap_net_raw) -> 0x2000, plus bit 7 (cap_setuid) = 0x80
        String hex = "0x0100000281200000000000000000000000000000";
        Process process = new ProcessBuilder("setfattr", "-n", "security.capability", "-v", hex, file.toString())
                .inheritIO().start();
        assertThat(process.waitFor()).isZero();
        return java.util.HexFormat.of().parseHex(hex.substring(2));
    }

    private static byte[] capability(Path file) throws Exception {
        Process process = new ProcessBuilder("getfattr", "--absolute-names", "-e", "hex", "-n", "security.capability",
                file.toString()).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        for (String line : output.split("\n")) {
            if (line.startsWith("security.capability=0x")) {
                return java.util.HexFormat.of().parseHex(line.substring("security.capability=0x".length()));
            }
        }
        return null;
    }
}
