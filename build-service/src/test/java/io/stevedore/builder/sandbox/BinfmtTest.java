package io.stevedore.builder.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.oci.Platform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BinfmtTest {

    private static final Platform ARM64 = Platform.of("linux", "arm64");
    private static final Path QEMU_AARCH64 = Path.of("/usr/bin/qemu-aarch64-static");

    @TempDir
    Path dir;

    @Test
    void theHostArchitectureIsNativeAndArm64IsNotOnAnAmd64Host() {
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "expectations are for an amd64 host");

        assertThat(Binfmt.nativelySupported(Platform.of("linux", "amd64"))).isTrue();
        assertThat(Binfmt.nativelySupported(Platform.of("linux", "386"))).isTrue();
        assertThat(Binfmt.nativelySupported(ARM64)).isFalse();
        assertThat(Binfmt.nativelySupported(Platform.of("windows", "amd64"))).isFalse();
    }

    @Test
    void registrationLineCarriesTheFixBinaryFlagAndThePackagesMagic() {
        String description = """
                package qemu-user-static
                interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
                magic \\x7f\\x45\\x4c\\x46\\x02
                offset 0
                mask \\xff\\xff\\xff\\xff\\xff
                credentials no
                fix_binary yes
                preserve yes
                """;

        assertThat(Binfmt.registration("qemu-aarch64", description)).isEqualTo(
                ":qemu-aarch64:M:0:\\x7f\\x45\\x4c\\x46\\x02:\\xff\\xff\\xff\\xff\\xff:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:FP");
    }

    @Test
    void unknownArchitectureIsAClearError() {
        assertThatThrownBy(() -> Binfmt.ensure(Platform.of("linux", "vax")))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("vax");
    }

    @Test
    void nonLinuxImagesAreRefused() {
        assertThatThrownBy(() -> Binfmt.ensure(Platform.of("windows", "amd64")))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("only linux");
    }

    @Test
    void ensureRegistersArm64WithTheFixBinaryFlag() throws IOException {
        assumeEmulationPossible();

        Binfmt.ensure(ARM64);

        String handler = Files.readString(Path.of("/proc/sys/fs/binfmt_misc/qemu-aarch64"));
        assertThat(handler).startsWith("enabled");
        assertThat(handler.lines().filter(line -> line.startsWith("flags:")).findFirst().orElseThrow()).contains("F");
    }

    @Test
    void arm64StepRunsUnderEmulation() throws IOException {
        assumeEmulationPossible();
        TestRootfs.assumeRunc();
        String busybox = System.getenv("STEVEDORE_TEST_ARM64_BUSYBOX");
        assumeTrue(busybox != null && Files.isRegularFile(Path.of(busybox)),
                "set STEVEDORE_TEST_ARM64_BUSYBOX to an arm64 static busybox (apt-get download busybox-static:arm64)");
        Path lower = TestRootfs.busyboxLayer(dir.resolve("lower"), Path.of(busybox));
        ByteArrayOutputStream output = new ByteArrayOutputStream();

        try (OverlayMount overlay = OverlayMount.mount(List.of(lower), dir.resolve("upper"), dir.resolve("work"),
                dir.resolve("merged"))) {
            Binfmt.ensure(ARM64);
            RunSpec spec = new RunSpec(overlay.merged(), List.of("/bin/sh", "-c", "uname -m"), List.of("PATH=/bin"),
                    "/", "", false, Duration.ofMinutes(2), 0, List.of(), ARM64, output);

            assertThat(Sandbox.runc(dir.resolve("state")).run(spec)).isZero();
            assertThat(TestRootfs.nonDirectories(overlay.upper())).isEmpty();
        }
        assertThat(output.toString(StandardCharsets.UTF_8)).isEqualTo("aarch64\n");
    }

    private static void assumeEmulationPossible() {
        TestRootfs.assumeRoot();
        assumeTrue(!Binfmt.nativelySupported(ARM64), "this host runs arm64 natively");
        assumeTrue(Files.isExecutable(QEMU_AARCH64), "qemu-user-static is not installed");
    }
}
