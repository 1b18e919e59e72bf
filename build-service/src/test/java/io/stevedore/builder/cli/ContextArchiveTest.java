package io.stevedore.builder.cli;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

class ContextArchiveTest {
    @TempDir
    Path temp;
    Path context;

    @BeforeEach
    void tree() throws IOException {
        context = Files.createDirectories(temp.resolve("ctx"));
        Files.writeString(context.resolve("Dockerfile"), "FROM scratch\nCOPY . /\n");
        Files.writeString(context.resolve(".dockerignore"), "*.log\nbuild\nDockerfile\ndocker/Dockerfile.prod\n!build/keep.txt\n");
        Files.writeString(context.resolve("app.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(context.resolve("app.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.writeString(context.resolve("debug.log"), "noise");
        Files.createDirectories(context.resolve("build"));
        Files.writeString(context.resolve("build/out.o"), "binary");
        Files.writeString(context.resolve("build/keep.txt"), "kept");
        Files.createDirectories(context.resolve("docker"));
        Files.writeString(context.resolve("docker/Dockerfile.prod"), "FROM scratch\n");
        Files.createSymbolicLink(context.resolve("link"), Path.of("app.sh"));
        for (Path path : new Path[] {context.resolve("app.sh"), context.resolve("link")}) {
            Files.getFileAttributeView(path, java.nio.file.attribute.BasicFileAttributeView.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).setTimes(FileTime.fromMillis(1_700_000_000_000L), null, null);
        }
    }

    @Test
    void dockerignoreIsHonouredButTheDockerfileAndDockerignoreAreAlwaysSent() throws IOException {
        ContextArchive archive = new ContextArchive(context, context.resolve("Dockerfile"));
        Map<String, TarArchiveEntry> entries = entries(archive);

        assertThat(archive.dockerfileName()).isEqualTo("Dockerfile");
        // docker/Dockerfile.prod is ignored and is not this build's Dockerfile
        assertThat(entries.keySet()).containsExactly(".dockerignore", "Dockerfile", "app.sh", "build/keep.txt",
                "docker/", "link");
        assertThat(entries.get("app.sh").getMode() & 07777).isEqualTo(0750);
        assertThat(entries.get("app.sh").getModTime().getTime()).isEqualTo(1_700_000_000_000L);
        assertThat(entries.get("link").isSymbolicLink()).isTrue();
        assertThat(entries.get("link").getLinkName()).isEqualTo("app.sh");
        assertThat(entries.get("app.sh").getLongUserId()).isZero();
    }

    @Test
    void anIgnoredDockerfileNamedByFileIsSentAnyway() throws IOException {
        Files.writeString(context.resolve(".dockerignore"), "docker\n");
        ContextArchive archive = new ContextArchive(context, context.resolve("docker/Dockerfile.prod"));

        assertThat(archive.dockerfileName()).isEqualTo("docker/Dockerfile.prod");
        assertThat(entries(archive)).containsKey("docker/Dockerfile.prod").doesNotContainKey("docker/");
    }

    @Test
    void aDockerfileOutsideTheContextGoesInUnderAGeneratedName() throws IOException {
        Path outside = Files.writeString(temp.resolve("elsewhere.Dockerfile"), "FROM scratch\nLABEL outside=1\n");
        ContextArchive archive = new ContextArchive(context, outside);

        assertThat(archive.dockerfileName()).startsWith("Dockerfile.stevedore-").doesNotContain("/");
        Map<String, TarArchiveEntry> entries = entries(archive);
        assertThat(entries).containsKey(archive.dockerfileName());
        assertThat(content(archive, archive.dockerfileName())).isEqualTo("FROM scratch\nLABEL outside=1\n");
    }

    @Test
    void theSameTreeGivesTheSameBytes() throws IOException {
        ContextArchive archive = new ContextArchive(context, context.resolve("Dockerfile"));
        byte[] first = bytes(archive);
        byte[] second = bytes(new ContextArchive(context, context.resolve("Dockerfile")));

        assertThat(second).isEqualTo(first);
        Files.writeString(context.resolve("app.sh"), "#!/bin/sh\necho changed\n");
        assertThat(bytes(archive)).isNotEqualTo(first);
    }

    private static byte[] bytes(ContextArchive archive) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        archive.writeTo(out);
        return out.toByteArray();
    }

    private static Map<String, TarArchiveEntry> entries(ContextArchive archive) throws IOException {
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(bytes(archive))))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                entries.put(entry.getName(), entry);
            }
        }
        return entries;
    }

    private static String content(ContextArchive archive, String name) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(bytes(archive))))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (entry.getName().equals(name)) {
                    return new String(tar.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        return null;
    }
}
