package io.stevedore.builder.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootfsPathTest {

    @TempDir
    Path dir;

    private Path root;

    @BeforeEach
    void createRoot() throws IOException {
        root = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("run"));
    }

    @Test
    void absoluteSymlinkResolvesInsideTheRoot() throws IOException {
        Files.createDirectories(root.resolve("var"));
        Files.createSymbolicLink(root.resolve("var/run"), Path.of("/run"));

        assertThat(RootfsPath.resolve(root, "/var/run/secrets/x")).isEqualTo(root.resolve("run/secrets/x"));
    }

    @Test
    void dotDotStopsAtTheRoot() throws IOException {
        Files.createSymbolicLink(root.resolve("etc/passwd"), Path.of("../../../../../etc/shadow"));

        assertThat(RootfsPath.resolve(root, "/etc/passwd")).isEqualTo(root.resolve("etc/shadow"));
        assertThat(RootfsPath.resolve(root, "/../../x")).isEqualTo(root.resolve("x"));
    }

    @Test
    void absoluteSymlinkToAHostPathStaysInTheRoot() throws IOException {
        Path host = Files.createDirectories(dir.resolve("host"));
        Files.createSymbolicLink(root.resolve("escape"), host);

        assertThat(RootfsPath.createDirectories(root, "/escape/made")).startsWith(root);
        assertThat(host.resolve("made")).doesNotExist();
    }

    @Test
    void symlinkLoopIsAClearError() throws IOException {
        Files.createSymbolicLink(root.resolve("a"), Path.of("b"));
        Files.createSymbolicLink(root.resolve("b"), Path.of("a"));

        assertThatThrownBy(() -> RootfsPath.resolve(root, "/a/x"))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("too many levels of symbolic links");
    }

    @Test
    void directoryCreationThroughAFileIsAClearError() throws IOException {
        Files.writeString(root.resolve("etc/file"), "x");

        assertThatThrownBy(() -> RootfsPath.createDirectories(root, "/etc/file/sub"))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("not a directory");
    }

    @Test
    void onlyAbsoluteCleanPathsAreAcceptedAsTargets() {
        assertThat(RootfsPath.isAbsoluteAndClean("/run/secrets/id")).isTrue();
        assertThat(RootfsPath.isAbsoluteAndClean("run/secrets")).isFalse();
        assertThat(RootfsPath.isAbsoluteAndClean("/run/../etc")).isFalse();
        assertThat(RootfsPath.isAbsoluteAndClean("/run/./x")).isFalse();
    }
}
