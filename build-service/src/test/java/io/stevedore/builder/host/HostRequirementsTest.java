package io.stevedore.builder.host;

import io.stevedore.oci.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HostRequirementsTest {
    private static final Platform AMD64 = Platform.of("linux", "amd64");
    private static final Platform ARM64 = Platform.of("linux", "arm64");
    private static final String ROOT_STATUS = "Name:\tjava\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n";
    private static final String OVERLAY = "nodev\tsysfs\nnodev\toverlay\n\text4\n";

    @TempDir
    Path temp;

    @Test
    void aMachineWithEverythingLacksNothingAndPrintsNoWarning() throws IOException {
        HostRequirements requirements = new HostRequirements(
                pathWith("mount", "umount", "runc", "setfattr", "getfattr"), proc(ROOT_STATUS, OVERLAY),
                temp.resolve("modules"), platform -> true);

        List<HostRequirements.Missing> missing = requirements.missingFor(List.of(AMD64, ARM64));

        assertThat(missing).isEmpty();
        assertThat(HostRequirements.warning(missing)).isEmpty();
    }

    @Test
    void everyMissingPieceIsNamedWithItsPackageAndWhatCannotWorkInOneLine() throws IOException {
        HostRequirements requirements = new HostRequirements(pathWith("mount", "umount"),
                proc("Name:\tjava\nUid:\t1000\t1000\t1000\t1000\n", "nodev\tsysfs\n"), temp.resolve("modules"),
                platform -> platform.equals(AMD64));

        List<HostRequirements.Missing> missing = requirements.missingFor(List.of(AMD64, ARM64));

        assertThat(missing).extracting(HostRequirements.Missing::what).containsExactly("root privileges",
                "overlayfs (kernel filesystem overlay)", "runc (Debian package runc)",
                "setfattr/getfattr (Debian package attr)", "qemu-user-static (Debian package qemu-user-static)");
        String warning = HostRequirements.warning(missing).orElseThrow();
        assertThat(warning).startsWith("warning: this machine lacks root privileges: ")
                .contains("; runc (Debian package runc): RUN steps cannot run; ")
                .contains("setfattr/getfattr (Debian package attr): file capabilities cannot be kept")
                .endsWith("qemu-user-static (Debian package qemu-user-static): linux/arm64 RUN steps cannot run")
                .doesNotContain("\n");
    }

    @Test
    void oneMissingToolOfAPairCountsAsMissingAndQemuMattersOnlyForForeignPlatforms() throws IOException {
        HostRequirements requirements = new HostRequirements(pathWith("mount", "umount", "runc", "getfattr"),
                proc(ROOT_STATUS, OVERLAY), temp.resolve("modules"), platform -> platform.equals(AMD64));

        assertThat(requirements.missingFor(List.of(AMD64))).extracting(HostRequirements.Missing::what)
                .containsExactly("setfattr/getfattr (Debian package attr)");
    }

    @Test
    void aModularOverlayfsNotYetLoadedIsAvailable() throws IOException {
        Path modules = Files.createDirectories(temp.resolve("modules/kernel/fs/overlayfs")).getParent().getParent().getParent();
        HostRequirements requirements = new HostRequirements(pathWith("mount", "umount", "runc", "setfattr", "getfattr"),
                proc(ROOT_STATUS, "nodev\tsysfs\n"), modules, platform -> true);

        assertThat(requirements.missingFor(List.of(AMD64))).isEmpty();
    }

    @Test
    void aNonExecutableFileOnThePathIsNotATool() throws IOException {
        Path bin = Files.createDirectories(temp.resolve("plain"));
        Files.writeString(bin.resolve("runc"), "not executable");
        SearchPath path = SearchPath.parse(temp.resolve("nowhere") + "::" + bin);

        assertThat(path.find("runc")).isEmpty();
        Files.setPosixFilePermissions(bin.resolve("runc"), PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(path.find("runc")).contains(bin.resolve("runc"));
        assertThat(path.directories()).containsExactly(temp.resolve("nowhere"), bin);
    }

    private SearchPath pathWith(String... programs) throws IOException {
        Path bin = Files.createDirectories(temp.resolve("bin"));
        for (String program : programs) {
            Path file = Files.writeString(bin.resolve(program), "#!/bin/sh\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return new SearchPath(List.of(temp.resolve("empty"), bin));
    }

    private Path proc(String status, String filesystems) throws IOException {
        Path proc = Files.createDirectories(temp.resolve("proc/self")).getParent();
        Files.writeString(proc.resolve("self/status"), status);
        Files.writeString(proc.resolve("filesystems"), filesystems);
        return proc;
    }
}
