package io.stevedore.builder.context;

import io.stevedore.oci.Digest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BuildContextTest {
    @TempDir
    Path temp;
    Path root;

    @BeforeEach
    void context() throws Exception {
        root = Files.createDirectories(temp.resolve("ctx"));
        Files.createDirectories(root.resolve("src/main"));
        Files.writeString(root.resolve("src/main/App.java"), "class App {}");
        Files.writeString(root.resolve("src/main/Util.java"), "class Util {}");
        Files.writeString(root.resolve("src/main/notes.txt"), "n");
        Files.writeString(root.resolve("package.json"), "{}");
        Files.writeString(root.resolve("package-lock.json"), "{}");
        Files.writeString(root.resolve("secret.env"), "TOKEN=x");
        Files.writeString(root.resolve("Dockerfile"), "FROM scratch");
        Files.writeString(root.resolve(".dockerignore"), "*.env\nsrc/**/*.txt\n");
    }

    @Test
    void globsMatchPerPathComponentAndIgnoredFilesAreInvisible() {
        BuildContext context = BuildContext.open(root);

        assertThat(context.resolveSources(List.of("package*.json")))
                .containsExactly(root.resolve("package-lock.json"), root.resolve("package.json"));
        assertThat(context.resolveSources(List.of("src/*/*.java")))
                .containsExactly(root.resolve("src/main/App.java"), root.resolve("src/main/Util.java"));
        assertThat(context.resolveSources(List.of("src/main/*"))).doesNotContain(root.resolve("src/main/notes.txt"));
        assertThat(context.resolveSources(List.of("/src/../package.json", "./package.json")))
                .containsExactly(root.resolve("package.json"));
        assertThatThrownBy(() -> context.resolveSources(List.of("*.env"))).isInstanceOf(BuildContextException.class)
                .hasMessageContaining("*.env");
    }

    @Test
    void sourcesThatMatchNothingOrLeaveTheContextAreRefusedByName() throws Exception {
        BuildContext context = BuildContext.open(root);
        Files.writeString(temp.resolve("outside.txt"), "o");
        Files.createSymbolicLink(root.resolve("escape"), temp.resolve("outside.txt"));
        Files.createSymbolicLink(root.resolve("escape-dir"), temp);

        assertThatThrownBy(() -> context.resolveSources(List.of("missing.txt")))
                .isInstanceOf(BuildContextException.class).hasMessageContaining("missing.txt");
        assertThatThrownBy(() -> context.resolveSources(List.of("../outside.txt")))
                .isInstanceOf(BuildContextException.class).hasMessageContaining("../outside.txt");
        assertThatThrownBy(() -> context.resolveSources(List.of("escape")))
                .isInstanceOf(BuildContextException.class).hasMessageContaining("escape");
        assertThatThrownBy(() -> context.resolveSources(List.of("escape-dir/outside.txt")))
                .isInstanceOf(BuildContextException.class).hasMessageContaining("escape-dir/outside.txt");
    }

    @Test
    void contentHashChangesWithOneByteButNotWithMtimeOrIgnoredFiles() throws Exception {
        BuildContext context = BuildContext.open(root);
        Digest before = context.contentHash(List.of("."));

        Files.setLastModifiedTime(root.resolve("src/main/App.java"), FileTime.fromMillis(1_000_000_000L));
        assertThat(context.contentHash(List.of("."))).isEqualTo(before);

        Files.writeString(root.resolve("secret.env"), "TOKEN=changed");
        Files.writeString(root.resolve("src/main/notes.txt"), "changed");
        assertThat(context.contentHash(List.of("."))).isEqualTo(before);

        Files.writeString(root.resolve("src/main/App.java"), "class App {}!");
        Digest edited = context.contentHash(List.of("."));
        assertThat(edited).isNotEqualTo(before);

        Files.writeString(root.resolve("src/main/App.java"), "class App {}");
        assertThat(context.contentHash(List.of("."))).isEqualTo(before);
        assertThat(context.contentHash(List.of("src"))).isNotEqualTo(before);
    }

    @Test
    void contentHashCoversModeAndSymlinkTargets() throws Exception {
        BuildContext context = BuildContext.open(root);
        Files.createSymbolicLink(root.resolve("src/link"), Path.of("main/App.java"));
        Digest before = context.contentHash(List.of("src"));

        Files.setPosixFilePermissions(root.resolve("src/main/Util.java"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Digest chmodded = context.contentHash(List.of("src"));
        assertThat(chmodded).isNotEqualTo(before);

        Files.delete(root.resolve("src/link"));
        Files.createSymbolicLink(root.resolve("src/link"), Path.of("main/Util.java"));
        assertThat(context.contentHash(List.of("src"))).isNotEqualTo(chmodded);
    }

    @Test
    void exceptionsReincludeFilesInsideIgnoredDirectories() throws Exception {
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("docs/README.md"), "r");
        Files.writeString(root.resolve("docs/internal.md"), "i");
        BuildContext context = new BuildContext(root, DockerIgnore.parse("docs\n!docs/README.md"));
        Path target = Files.createDirectories(temp.resolve("rootfs"));

        context.copy(List.of("."), target, "/app/", null, null);

        assertThat(target.resolve("app/docs/README.md")).hasContent("r");
        assertThat(target.resolve("app/docs/internal.md")).doesNotExist();
    }
}
