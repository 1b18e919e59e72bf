package io.stevedore.builder.host;

import io.stevedore.oci.Platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What the build service needs from the machine it runs on, and what of it is missing: root,
 * overlayfs and mount (every RUN, COPY and ADD step changes an overlay mount), runc (RUN steps),
 * setfattr/getfattr (file capabilities in layers) and, for foreign platforms only, qemu-user-static.
 *
 * <p>Answered from PATH lookups and a few small /proc reads, never by starting a process: the CLI
 * asks on every build, before any work, so a missing tool is named once at the start instead of
 * surfacing later as a failed step or a warning in the middle of the log.
 */
public final class HostRequirements {

    /** One thing the machine lacks, and what a build cannot do without it. */
    public record Missing(String what, String consequence) {
        @Override
        public String toString() {
            return what + ": " + consequence;
        }
    }

    private final SearchPath searchPath;
    private final Path proc;
    private final Path kernelModules;
    private final Predicate<Platform> runnablePlatform;

    /**
     * @param proc             where procfs is mounted ({@code /proc})
     * @param kernelModules    the running kernel's module tree ({@code /lib/modules/RELEASE}): a
     *                         modular overlayfs is not in /proc/filesystems until its first mount
     * @param runnablePlatform whether a platform's binaries can run here, natively or emulated
     */
    public HostRequirements(SearchPath searchPath, Path proc, Path kernelModules, Predicate<Platform> runnablePlatform) {
        this.searchPath = searchPath;
        this.proc = proc;
        this.kernelModules = kernelModules;
        this.runnablePlatform = runnablePlatform;
    }

    /**
     * This machine's requirements; {@code runnablePlatform} comes from the caller (the sandbox's
     * emulation support) so that this package depends on nothing else of the build service.
     */
    public static HostRequirements ofThisHost(Predicate<Platform> runnablePlatform) {
        return new HostRequirements(SearchPath.ofThisProcess(), Path.of("/proc"),
                Path.of("/lib/modules", System.getProperty("os.version")), runnablePlatform);
    }

    /** What a build for {@code platforms} would miss on this machine, most fundamental first. */
    public List<Missing> missingFor(List<Platform> platforms) {
        List<Missing> missing = new ArrayList<>();
        if (!effectiveUserIsRoot()) {
            missing.add(new Missing("root privileges", "overlay mounts and runc need them, so RUN, COPY and ADD steps cannot run"));
        }
        if (!overlayAvailable()) {
            missing.add(new Missing("overlayfs (kernel filesystem overlay)", "RUN, COPY and ADD steps cannot run"));
        }
        if (!searchPath.contains("mount") || !searchPath.contains("umount")) {
            missing.add(new Missing("mount/umount (Debian package mount)", "RUN, COPY and ADD steps cannot mount their overlays"));
        }
        if (!searchPath.contains("runc")) {
            missing.add(new Missing("runc (Debian package runc)", "RUN steps cannot run"));
        }
        if (!searchPath.contains("setfattr") || !searchPath.contains("getfattr")) {
            missing.add(new Missing("setfattr/getfattr (Debian package attr)",
                    "file capabilities cannot be kept, so builds whose layers carry them fail"));
        }
        List<String> foreign = platforms.stream().filter(runnablePlatform.negate()).map(Platform::toString).distinct().toList();
        if (!foreign.isEmpty()) {
            missing.add(new Missing("qemu-user-static (Debian package qemu-user-static)",
                    String.join(", ", foreign) + " RUN steps cannot run"));
        }
        return missing;
    }

    /** The one line the CLI prints at the start of a build, or empty when nothing is missing. */
    public static Optional<String> warning(List<Missing> missing) {
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("warning: this machine lacks "
                + missing.stream().map(Missing::toString).collect(Collectors.joining("; ")));
    }

    /** The effective uid is the second field of the Uid line of /proc/self/status. */
    private boolean effectiveUserIsRoot() {
        try {
            for (String line : Files.readAllLines(proc.resolve("self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] ids = line.substring(4).trim().split("\\s+");
                    return ids.length >= 2 && ids[1].equals("0");
                }
            }
        } catch (IOException e) {
            // no procfs: cannot tell, so do not claim it is missing
            return true;
        }
        return true;
    }

    private boolean overlayAvailable() {
        try {
            for (String line : Files.readAllLines(proc.resolve("filesystems"))) {
                if (line.endsWith("\toverlay")) {
                    return true;
                }
            }
        } catch (IOException e) {
            return true; // no procfs: cannot tell
        }
        return Files.isDirectory(kernelModules.resolve("kernel/fs/overlayfs"));
    }
}
