package io.stevedore.builder.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RootPathsTest {
    @TempDir
    Path temp;

    @Test
    void absoluteSymlinkTargetsAreReRootedInsideTheRoot() throws Exception {
        Path root = Files.createDirectories(temp.resolve("root"));
        Files.createDirectories(root.resolve("etc"));
        Files.createSymbolicLink(root.resolve("evil"), Path.of("/etc"));

        assertThat(RootPaths.resolve(root, "/evil/passwd")).isEqualTo(root.resolve("etc/passwd"));
    }

    @Test
    void dotDotNeverClimbsAboveTheRootLexicallyOrThroughLinks() throws Exception {
        Path root = Files.createDirectories(temp.resolve("root"));
        Files.createDirectories(root.resolve("a/b"));
        Files.createSymbolicLink(root.resolve("a/b/up"), Path.of("../../../../../../outside"));

        assertThat(RootPaths.resolve(root, "/../../etc/passwd")).isEqualTo(root.resolve("etc/passwd"));
        assertThat(RootPaths.resolve(root, "a/b/up/x")).isEqualTo(root.resolve("outside/x"));
    }

    @Test
    void chainsOfRelativeAndAbsoluteLinksAreFollowedInScope() throws Exception {
        Path root = Files.createDirectories(temp.resolve("root"));
        Files.createDirectories(root.resolve("usr/lib"));
        Files.createSymbolicLink(root.resolve("lib"), Path.of("usr/lib"));
        Files.createSymbolicLink(root.resolve("usr/lib/current"), Path.of("/lib/v2"));
        Files.createDirectories(root.resolve("usr/lib/v2"));

        assertThat(RootPaths.resolve(root, "/lib/current/file")).isEqualTo(root.resolve("usr/lib/v2/file"));
        assertThat(RootPaths.resolve(root, "/")).isEqualTo(root);
        assertThat(RootPaths.resolve(root, "missing/../lib")).isEqualTo(root.resolve("usr/lib"));
    }

    @Test
    void symlinkLoopsAreReported() throws Exception {
        Path root = Files.createDirectories(temp.resolve("root"));
        Files.createSymbolicLink(root.resolve("a"), Path.of("b"));
        Files.createSymbolicLink(root.resolve("b"), Path.of("/a"));

        assertThatThrownBy(() -> RootPaths.resolve(root, "/a/x")).isInstanceOf(SymlinkLoopException.class)
                .hasMessageContaining("too many levels");
    }
}
