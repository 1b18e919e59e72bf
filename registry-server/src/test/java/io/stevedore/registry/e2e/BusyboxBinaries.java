package io.stevedore.registry.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds the statically linked busybox binaries the test images are made of: Debian's
 * {@code busybox-static} for linux/amd64 (installed on the machine) and for linux/arm64 (from the
 * arm64 .deb, which {@code .ci/run} extracts and names in {@value #ARM64_ENV}).
 *
 * <p>Tests that cannot have a binary are skipped with the reason, never failed.
 */
final class BusyboxBinaries {

    /** A busybox binary, or a directory holding {@code bin/busybox} (such as a {@code dpkg-deb -x} tree). */
    static final String ARM64_PROPERTY = "stevedore.test.arm64-busybox";
    static final String ARM64_ENV = "STEVEDORE_TEST_ARM64_BUSYBOX";

    private static final int EM_X86_64 = 62;
    private static final int EM_AARCH64 = 183;
    private static final Path DOWNLOAD_DIR = Path.of("target", "busybox-arm64");

    private static Path arm64;
    private static String arm64Missing;

    private BusyboxBinaries() {
    }

    /** The linux/amd64 busybox of the installed {@code busybox-static} package. */
    static Path amd64() {
        Path found = Stream.of("/bin/busybox", "/usr/bin/busybox").map(Path::of)
                .filter(p -> machine(p) == EM_X86_64).findFirst().orElse(null);
        assumeTrue(found != null, "no statically linked x86-64 busybox at /bin/busybox "
                + "(apt-get install busybox-static); skipping");
        return found;
    }

    /** The linux/arm64 busybox: configured, downloaded earlier into target/, or downloaded now with apt-get. */
    static synchronized Path arm64() {
        if (arm64 == null && arm64Missing == null) {
            locateArm64();
        }
        assumeTrue(arm64 != null, () -> "no linux/arm64 busybox: " + arm64Missing + "; skipping");
        return arm64;
    }

    private static void locateArm64() {
        String configured = System.getProperty(ARM64_PROPERTY, System.getenv(ARM64_ENV));
        if (configured != null && !configured.isBlank()) {
            Path candidate = binaryIn(Path.of(configured));
            if (machine(candidate) == EM_AARCH64) {
                arm64 = candidate;
            } else {
                arm64Missing = ARM64_ENV + " / -D" + ARM64_PROPERTY + " = " + configured
                        + " names no aarch64 busybox binary";
            }
            return;
        }
        Path extracted = DOWNLOAD_DIR.resolve("root/bin/busybox");
        if (machine(extracted) != EM_AARCH64) {
            String failure = download();
            if (failure != null) {
                arm64Missing = failure;
                return;
            }
        }
        if (machine(extracted) == EM_AARCH64) {
            arm64 = extracted.toAbsolutePath();
        } else {
            arm64Missing = "busybox-static:arm64 was downloaded but holds no aarch64 bin/busybox";
        }
    }

    /** apt-get download + dpkg-deb -x into target/busybox-arm64; returns why it could not, or null. */
    private static String download() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "set " + ARM64_ENV + " to an extracted busybox-static:arm64 (downloading it needs root)";
        }
        if (!Processes.onPath("apt-get") || !Processes.onPath("dpkg-deb")) {
            return "set " + ARM64_ENV + " (apt-get and dpkg-deb are not available to download it)";
        }
        try {
            Files.createDirectories(DOWNLOAD_DIR);
            Processes.Result get = Processes.run(DOWNLOAD_DIR, Duration.ofMinutes(3),
                    List.of("apt-get", "download", "busybox-static:arm64"));
            if (!get.succeeded()) {
                return "`apt-get download busybox-static:arm64` failed (does the machine have "
                        + "`dpkg --add-architecture arm64 && apt-get update`?): " + get.stderr().strip();
            }
            Path deb;
            try (Stream<Path> files = Files.list(DOWNLOAD_DIR)) {
                deb = files.filter(p -> p.getFileName().toString().endsWith("_arm64.deb")).findFirst().orElse(null);
            }
            if (deb == null) {
                return "apt-get download busybox-static:arm64 left no _arm64.deb in " + DOWNLOAD_DIR;
            }
            Processes.Result extract = Processes.run(null, Duration.ofMinutes(1),
                    List.of("dpkg-deb", "-x", deb.toString(), DOWNLOAD_DIR.resolve("root").toString()));
            return extract.succeeded() ? null : "dpkg-deb -x failed: " + extract.stderr().strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path binaryIn(Path configured) {
        if (!Files.isDirectory(configured)) {
            return configured;
        }
        return Stream.of("bin/busybox", "usr/bin/busybox", "busybox").map(configured::resolve)
                .filter(Files::isRegularFile).findFirst().orElse(configured.resolve("bin/busybox"));
    }

    /** The ELF e_machine of a little-endian executable, or -1 for anything else (including a missing file). */
    private static int machine(Path file) {
        if (!Files.isRegularFile(file)) {
            return -1;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] header = in.readNBytes(20);
            boolean elf = header.length == 20 && header[0] == 0x7f && header[1] == 'E' && header[2] == 'L'
                    && header[3] == 'F' && header[5] == 1;
            return elf ? (header[18] & 0xff) | (header[19] & 0xff) << 8 : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
