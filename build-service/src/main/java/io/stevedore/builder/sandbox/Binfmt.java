package io.stevedore.builder.sandbox;

import io.stevedore.oci.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Foreign-architecture emulation through qemu-user-static and the kernel's binfmt_misc.
 *
 * <p>The handler is registered with the F (fix-binary) flag: the kernel opens the interpreter once,
 * at registration, so it works inside any container rootfs without being copied into it (and
 * thereby into the layer). Magic, mask and interpreter come from the qemu-user-static package's own
 * description in /usr/share/binfmts, the same data {@code update-binfmts} uses; only the flags are
 * ours. Registration is global to the host kernel, which is what every emulating builder does.
 */
public final class Binfmt {

    private static final Path BINFMT_MISC = Path.of("/proc/sys/fs/binfmt_misc");
    private static final Path DESCRIPTIONS = Path.of("/usr/share/binfmts");

    /** OCI architecture names to qemu's. */
    private static final Map<String, String> QEMU_ARCHITECTURES = Map.of(
            "amd64", "x86_64",
            "arm64", "aarch64",
            "arm", "arm",
            "386", "i386",
            "ppc64le", "ppc64le",
            "s390x", "s390x",
            "riscv64", "riscv64",
            "mips64le", "mips64el",
            "mips64", "mips64",
            "loong64", "loongarch64");

    private Binfmt() {
    }

    /** Whether this host's CPU runs {@code platform}'s binaries without emulation. */
    public static boolean nativelySupported(Platform platform) {
        if (!"linux".equals(platform.os())) {
            return false;
        }
        String host = hostArchitecture();
        String wanted = platform.architecture();
        // 32-bit x86 runs on x86-64 through the kernel's IA-32 compatibility layer.
        return wanted.equals(host) || (host.equals("amd64") && wanted.equals("386"));
    }

    /**
     * Whether {@code platform}'s binaries can run here: natively, or through an installed qemu
     * emulator that {@link #ensure} can register. Two file checks, no process, so it is cheap
     * enough to ask before every build.
     */
    public static boolean runnable(Platform platform) {
        if (nativelySupported(platform)) {
            return true;
        }
        String qemu = QEMU_ARCHITECTURES.get(platform.architecture());
        return "linux".equals(platform.os()) && qemu != null
                && Files.isExecutable(emulator(qemu)) && Files.isRegularFile(DESCRIPTIONS.resolve("qemu-" + qemu));
    }

    private static Path emulator(String qemuArchitecture) {
        return Path.of("/usr/bin/qemu-" + qemuArchitecture + "-static");
    }

    /**
     * Makes sure {@code platform} can run here: natively, or through a registered qemu handler with
     * the F flag (registering it, and mounting binfmt_misc, when missing).
     */
    public static synchronized void ensure(Platform platform) {
        if (nativelySupported(platform)) {
            return;
        }
        if (!"linux".equals(platform.os())) {
            throw new SandboxException("cannot run " + platform + " steps: only linux images can run here");
        }
        String qemu = QEMU_ARCHITECTURES.get(platform.architecture());
        if (qemu == null) {
            throw new SandboxException("cannot run " + platform + " steps: no qemu emulator is known for architecture "
                    + platform.architecture());
        }
        Path emulator = emulator(qemu);
        Path description = DESCRIPTIONS.resolve("qemu-" + qemu);
        if (!Files.isExecutable(emulator) || !Files.isRegularFile(description)) {
            throw new SandboxException("cannot run " + platform + " steps: " + emulator
                    + " is missing; install the Debian package qemu-user-static");
        }
        mountBinfmtMisc();
        Path handler = BINFMT_MISC.resolve("qemu-" + qemu);
        if (Files.exists(handler)) {
            String state = read(handler);
            if (state.startsWith("enabled") && hasFixBinaryFlag(state)) {
                return;
            }
            // Disabled, or registered without F (its interpreter would be looked up inside the
            // container's rootfs, where it is not): replace it with a usable one.
            write(handler, "-1");
        }
        write(BINFMT_MISC.resolve("register"), registration("qemu-" + qemu, read(description)));
        String state = Files.exists(handler) ? read(handler) : "";
        if (!state.startsWith("enabled") || !hasFixBinaryFlag(state)) {
            throw new SandboxException("registered qemu-" + qemu + " with binfmt_misc but the kernel shows: " + state);
        }
    }

    /** The register line {@code :name:M:offset:magic:mask:interpreter:flags} from a Debian description. */
    static String registration(String name, String debianDescription) {
        Map<String, String> fields = new HashMap<>();
        for (String line : debianDescription.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0) {
                fields.put(line.substring(0, space), line.substring(space + 1).strip());
            }
        }
        String flags = "F" + ("yes".equals(fields.get("preserve")) ? "P" : "")
                + ("yes".equals(fields.get("credentials")) ? "C" : "");
        return ":" + name + ":M:" + fields.getOrDefault("offset", "0") + ":" + required(fields, "magic", name)
                + ":" + fields.getOrDefault("mask", "") + ":" + required(fields, "interpreter", name) + ":" + flags;
    }

    private static String required(Map<String, String> fields, String key, String name) {
        String value = fields.get(key);
        if (value == null || value.isEmpty()) {
            throw new SandboxException(DESCRIPTIONS.resolve(name) + " has no " + key + "; reinstall qemu-user-static");
        }
        return value;
    }

    private static boolean hasFixBinaryFlag(String handlerState) {
        for (String line : handlerState.split("\n")) {
            if (line.startsWith("flags:")) {
                return line.substring("flags:".length()).strip().contains("F");
            }
        }
        return false;
    }

    private static void mountBinfmtMisc() {
        if (Files.exists(BINFMT_MISC.resolve("register"))) {
            return;
        }
        HostCommand.of("mount", "-t", "binfmt_misc", "binfmt_misc", BINFMT_MISC.toString())
                .runOrThrow("cannot mount binfmt_misc for foreign-architecture emulation");
    }

    private static String hostArchitecture() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "386";
            default -> arch;
        };
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SandboxException("cannot read " + file + ": " + e, e);
        }
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SandboxException("cannot write to " + file + " (" + content + "): " + e, e);
        }
    }
}
