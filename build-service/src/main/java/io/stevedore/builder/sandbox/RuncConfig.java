package io.stevedore.builder.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OCI runtime config.json of one step: Docker's defaults (mounts, capability set, masked and
 * read-only /proc paths) plus no-new-privileges and no seccomp filter.
 */
final class RuncConfig {

    static final String HOSTNAME = "stevedore";

    /** Docker's default capability set. */
    private static final List<String> CAPABILITIES = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
            "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    private static final List<String> MASKED_PATHS = List.of(
            "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");

    private static final List<String> READONLY_PATHS = List.of(
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    /** Mount points of the sandbox itself that runc may have to create in the rootfs. */
    static final List<String> SYSTEM_MOUNT_POINTS = List.of("/proc", "/dev", "/sys");

    /**
     * Docker's open-files limit, but never above this process's hard limit: runc sets rlimits after
     * dropping CAP_SYS_RESOURCE, so it can only lower them.
     */
    private static final long NOFILE = Math.min(1 << 20, hardOpenFilesLimit());

    private RuncConfig() {
    }

    /** A file of the bundle bind-mounted read-only over an image path (/etc/hosts, /etc/resolv.conf). */
    record SupportFile(Path source, String target) {
    }

    static Map<String, Object> of(RunSpec spec, ImageUser user, List<SupportFile> supportFiles) {
        Map<String, Object> process = new LinkedHashMap<>();
        process.put("terminal", false);
        process.put("user", Map.of("uid", user.uid(), "gid", user.gid(), "additionalGids", user.additionalGids()));
        List<String> env = user.withHome(spec.env());
        boolean interleaved = InterleavingLauncher.appliesTo(spec);
        process.put("args", interleaved ? InterleavingLauncher.argv(spec, env) : spec.argv());
        process.put("env", env);
        process.put("cwd", spec.workingDir());
        process.put("capabilities", Map.of("bounding", CAPABILITIES, "effective", CAPABILITIES, "permitted", CAPABILITIES));
        process.put("rlimits", List.of(Map.of("type", "RLIMIT_NOFILE", "hard", NOFILE, "soft", NOFILE)));
        process.put("noNewPrivileges", true);

        List<Map<String, Object>> mounts = new ArrayList<>(List.of(
                mount("/proc", "proc", "proc", "nosuid", "noexec", "nodev"),
                mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
                mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"),
                mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
                mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
                mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro")));
        if (interleaved) {
            mounts.add(mount(InterleavingLauncher.TARGET, "bind", InterleavingLauncher.hostBusybox().toString(), "rbind", "ro"));
        }
        for (SupportFile file : supportFiles) {
            mounts.add(mount(file.target(), "bind", file.source().toString(), "rbind", "ro", "nosuid", "nodev"));
        }
        for (BindMount bind : spec.mounts()) {
            mounts.add(mount(bind.target(), "bind", bind.source().toAbsolutePath().toString(),
                    "rbind", bind.readOnly() ? "ro" : "rw"));
        }

        List<Map<String, Object>> namespaces = new ArrayList<>();
        for (String type : spec.network() ? List.of("pid", "ipc", "uts", "mount") : List.of("pid", "ipc", "uts", "mount", "network")) {
            namespaces.add(Map.of("type", type));
        }
        Map<String, Object> resources = new LinkedHashMap<>();
        resources.put("devices", List.of(Map.of("allow", false, "access", "rwm")));
        if (spec.memoryLimitBytes() > 0) {
            resources.put("memory", Map.of("limit", spec.memoryLimitBytes()));
        }
        Map<String, Object> linux = new LinkedHashMap<>();
        linux.put("namespaces", namespaces);
        linux.put("resources", resources);
        linux.put("maskedPaths", MASKED_PATHS);
        linux.put("readonlyPaths", READONLY_PATHS);

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("ociVersion", "1.0.2");
        config.put("process", process);
        config.put("root", Map.of("path", spec.rootfs().toAbsolutePath().toString(), "readonly", false));
        config.put("hostname", HOSTNAME);
        config.put("mounts", mounts);
        config.put("linux", linux);
        return config;
    }

    private static long hardOpenFilesLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String hard = line.substring("Max open files".length()).strip().split("\\s+")[1];
                    return hard.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(hard);
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            // fall through to a limit every host allows
        }
        return 1024;
    }

    private static Map<String, Object> mount(String destination, String type, String source, String... options) {
        return Map.of("destination", destination, "type", type, "source", source, "options", List.of(options));
    }
}
