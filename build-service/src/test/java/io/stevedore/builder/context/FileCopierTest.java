package io.stevedore.builder.context;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Cases from the Dockerfile reference's COPY section. */
class FileCopierTest {
    @TempDir
    Path temp;
    Path context;
    Path rootfs;

    @BeforeEach
    void trees() throws Exception {
        context = Files.createDirectories(temp.resolve("ctx"));
        Files.createDirectories(context.resolve("dir/sub"));
        Files.writeString(context.resolve("dir/a.txt"), "a");
        Files.writeString(context.resolve("dir/sub/b.txt"), "b");
        Files.createSymbolicLink(context.resolve("dir/link"), Path.of("a.txt"));
        Files.writeString(context.resolve("hom1.txt"), "1");
        Files.writeString(context.resolve("hom2.txt"), "2");
        Files.writeString(context.resolve("run.sh"), "#!/bin/sh");
        Files.setPosixFilePermissions(context.resolve("run.sh"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
        Files.setLastModifiedTime(context.resolve("run.sh"), FileTime.fromMillis(1_500_000_000_000L));
        rootfs = Files.createDirectories(temp.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("usr/lib"));
        Files.createDirectories(rootfs.resolve("existing"));
    }

    private List<Path> sources(String... patterns) {
        return new BuildContext(context, DockerIgnore.none()).resolveSources(List.of(patterns));
    }

    @Test
    void aDirectorySourceCopiesItsContentsNotItself() throws Exception {
        FileCopier.copy(sources("dir"), rootfs, "/app", null, null, false);

        assertThat(rootfs.resolve("app/a.txt")).hasContent("a");
        assertThat(rootfs.resolve("app/sub/b.txt")).hasContent("b");
        assertThat(Files.readSymbolicLink(rootfs.resolve("app/link"))).isEqualTo(Path.of("a.txt"));
        assertThat(rootfs.resolve("app/dir")).doesNotExist();
    }

    @Test
    void aTrailingSlashOrSeveralSourcesMeanIntoADirectory() {
        FileCopier.copy(sources("run.sh"), rootfs, "/bin/", null, null, false);
        FileCopier.copy(sources("run.sh"), rootfs, "/opt/renamed.sh", null, null, false);
        FileCopier.copy(sources("hom*"), rootfs, "/many", null, null, false);

        assertThat(rootfs.resolve("bin/run.sh")).hasContent("#!/bin/sh");
        assertThat(rootfs.resolve("opt/renamed.sh")).isRegularFile().hasContent("#!/bin/sh");
        assertThat(rootfs.resolve("many/hom1.txt")).hasContent("1");
        assertThat(rootfs.resolve("many/hom2.txt")).hasContent("2");
    }

    @Test
    void aFileOntoAnExistingDirectoryGoesInsideIt() {
        FileCopier.copy(sources("run.sh"), rootfs, "/existing", null, null, false);

        assertThat(rootfs.resolve("existing/run.sh")).hasContent("#!/bin/sh");
    }

    @Test
    void filesKeepModeAndMtimeAndBelongToRootByDefault() throws Exception {
        FileCopier.copy(sources("run.sh"), rootfs, "/bin/", null, null, false);

        Path copied = rootfs.resolve("bin/run.sh");
        assertThat((Integer) Files.getAttribute(copied, "unix:mode") & 07777).isEqualTo(0750);
        assertThat(Files.getLastModifiedTime(copied)).isEqualTo(FileTime.fromMillis(1_500_000_000_000L));
        assertThat(Files.getAttribute(copied, "unix:uid")).isEqualTo(0);
    }

    @Test
    void chownAndChmodApplyToCopiedFilesDirectoriesAndCreatedParents() throws Exception {
        FileCopier.copy(sources("dir"), rootfs, "/home/app/data/", new Ownership(1000, 1001), 0640, false);

        assertThat(Files.getAttribute(rootfs.resolve("home/app/data/sub/b.txt"), "unix:uid")).isEqualTo(1000);
        assertThat(Files.getAttribute(rootfs.resolve("home/app/data/sub/b.txt"), "unix:gid")).isEqualTo(1001);
        assertThat((Integer) Files.getAttribute(rootfs.resolve("home/app/data/sub/b.txt"), "unix:mode") & 07777).isEqualTo(0640);
        assertThat((Integer) Files.getAttribute(rootfs.resolve("home/app/data/sub"), "unix:mode") & 07777).isEqualTo(0640);
        assertThat(Files.getAttribute(rootfs.resolve("home/app"), "unix:uid")).as("created parent").isEqualTo(1000);
        assertThat((Integer) Files.getAttribute(rootfs.resolve("home/app"), "unix:mode") & 07777).isEqualTo(0755);
        assertThat(Files.getAttribute(rootfs.resolve("home/app/data/link"), "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(1000);
    }

    @Test
    void destinationSymlinksInTheImageAreFollowedOnlyInsideTheRoot() throws Exception {
        Path hostDir = Files.createDirectories(temp.resolve("host-etc"));
        Files.createSymbolicLink(rootfs.resolve("lib"), Path.of("/usr/lib"));
        Files.createSymbolicLink(rootfs.resolve("evil"), hostDir);
        Files.createSymbolicLink(rootfs.resolve("usr/lib/up"), Path.of("../../../../host-etc"));

        FileCopier.copy(sources("run.sh"), rootfs, "/lib/", null, null, false);
        FileCopier.copy(sources("run.sh"), rootfs, "/evil/", null, null, false);
        FileCopier.copy(sources("hom1.txt"), rootfs, "/usr/lib/up/", null, null, false);

        assertThat(rootfs.resolve("usr/lib/run.sh")).exists();
        assertThat(hostDir.resolve("run.sh")).doesNotExist();
        assertThat(rootfs.resolve(hostDir.toString().substring(1)).resolve("run.sh")).exists();
        assertThat(rootfs.resolve("host-etc/hom1.txt")).exists();
        assertThat(hostDir.resolve("hom1.txt")).doesNotExist();
    }

    @Test
    void copyFromAnotherRootKeepsOwnersAndCannotFollowLinksOutOfIt() throws Exception {
        Path stage = Files.createDirectories(temp.resolve("stage"));
        Files.createDirectories(stage.resolve("out"));
        Files.writeString(stage.resolve("out/app"), "binary");
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(
                () -> io.stevedore.builder.files.PosixMetadata.setOwner(stage.resolve("out/app"), 1234, 1234));
        Files.createSymbolicLink(stage.resolve("out/shadow"), Path.of("/etc/shadow"));

        FileCopier.copyFromRoot(stage, List.of("/out/app"), rootfs, "/usr/local/bin/", null, null);
        assertThat(rootfs.resolve("usr/local/bin/app")).hasContent("binary");
        assertThat(Files.getAttribute(rootfs.resolve("usr/local/bin/app"), "unix:uid")).isEqualTo(1234);

        assertThatThrownBy(() -> FileCopier.copyFromRoot(stage, List.of("/out/shadow"), rootfs, "/x/", null, null))
                .isInstanceOf(BuildContextException.class).hasMessageContaining("/out/shadow");
    }

    @Test
    void replacingADirectoryWithAFileIsAnError() throws Exception {
        Files.createDirectories(rootfs.resolve("target/run.sh"));

        assertThatThrownBy(() -> FileCopier.copy(sources("run.sh"), rootfs, "/target/", null, null, false))
                .isInstanceOf(BuildContextException.class).hasMessageContaining("/target/run.sh");
    }
}
