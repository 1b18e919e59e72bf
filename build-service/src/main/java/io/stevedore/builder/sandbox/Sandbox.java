package io.stevedore.builder.sandbox;

import io.stevedore.builder.files.FileTrees;
import io.stevedore.json.Json;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.databind.JsonNode;

/**
 * Runs RUN steps in runc containers whose root filesystem is the step's merged overlay.
 *
 * <p>Why runc (Debian package) and not bubblewrap: as root it switches to the step's uid/gid and
 * supplementary groups without a user namespace (so files the step writes get real ids in the
 * layer), applies cgroup memory limits (cgroup v1 memory controller on this hybrid host; crun fails
 * on hybrid cgroups), and sets up namespaces, a /dev tmpfs with the usual devices, masked /proc
 * paths and Docker's capability set in one ~40 ms call. bubblewrap has no cgroup support and would
 * need a second tool for the memory limit, so it was not needed as a fallback.
 *
 * <p>Memory limits: on this cgroup v1/v2 hybrid host runc writes memory.limit_in_bytes of the v1
 * memory controller (on a unified host, memory.max); swap is not limited separately (this host has
 * none). Where no memory controller is mounted, runc refuses a limited step and the
 * {@link SandboxException} says so.
 *
 * <p>No seccomp filter is installed (as BuildKit's sandbox with the default profile off): steps are
 * bounded by the capability set and no-new-privileges instead.
 *
 * <p>Output: runc runs in the foreground without a terminal and its stdout and stderr are one pipe,
 * copied to {@link RunSpec#output()} as it arrives; {@link InterleavingLauncher} keeps the step's
 * two streams in the order written despite runc's own per-stream copying.
 */
public final class Sandbox {

    private static final SecureRandom IDS = new SecureRandom();
    /** How long output may still drain after a killed container; its pipe closes as it dies. */
    private static final Duration PUMP_DRAIN = Duration.ofSeconds(5);
    private static final Path HOST_HOSTS = Path.of("/etc/hosts");
    private static final Path HOST_RESOLV_CONF = Path.of("/etc/resolv.conf");

    private final Path stateDir;

    private Sandbox(Path stateDir) {
        this.stateDir = stateDir;
    }

    /** A sandbox whose runc keeps its container state in {@code stateDir} ({@code runc --root}). */
    public static Sandbox runc(Path stateDir) {
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new SandboxException("cannot create the runc state dir " + stateDir + ": " + e, e);
        }
        return new Sandbox(stateDir.toAbsolutePath());
    }

    /**
     * Runs the step to completion and returns its exit status.
     *
     * @throws SandboxTimeoutException when it outlives {@link RunSpec#timeout()}
     * @throws SandboxException        when the step cannot be set up or started
     */
    public int run(RunSpec spec) {
        if (spec.platform() != null) {
            Binfmt.ensure(spec.platform()); // the one place emulation is set up: every RUN step comes here
        }
        validateTargets(spec);
        ImageUser user = ImageUser.resolve(spec.rootfs(), spec.user());
        RootfsPath.createDirectories(spec.rootfs(), spec.workingDir());
        String id = "stevedore-" + HexFormat.of().formatHex(randomBytes());
        Path bundle = createBundleDir();
        try {
            List<RuncConfig.SupportFile> supportFiles = writeSupportFiles(bundle, spec.network());
            List<String> mountPoints = new ArrayList<>(RuncConfig.SYSTEM_MOUNT_POINTS);
            supportFiles.forEach(file -> mountPoints.add(file.target()));
            spec.mounts().forEach(bind -> mountPoints.add(bind.target()));
            MountStubs stubs = MountStubs.before(spec.rootfs(), mountPoints);
            try {
                Files.write(bundle.resolve("config.json"),
                        Json.MAPPER.writeValueAsBytes(RuncConfig.of(spec, user, supportFiles)));
                return runContainer(id, bundle, spec);
            } finally {
                stubs.remove();
            }
        } catch (IOException e) {
            throw new SandboxException("cannot prepare the runc bundle " + bundle + ": " + e, e);
        } finally {
            // a leftover temp bundle holds no secret (secrets are bind sources, never copied)
            FileTrees.deleteQuietly(bundle);
        }
    }

    private int runContainer(String id, Path bundle, RunSpec spec) {
        Path log = bundle.resolve("runc.log");
        ProcessBuilder builder = new ProcessBuilder("runc", "--root", stateDir.toString(),
                "--log", log.toString(), "--log-format", "json", "run", "--bundle", bundle.toString(), id)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process runc;
        try {
            runc = builder.start();
        } catch (IOException e) {
            throw new SandboxException("cannot start runc (is the Debian package runc installed?): " + e, e);
        }
        AtomicReference<IOException> outputFailure = new AtomicReference<>();
        Thread pump = Thread.ofPlatform().daemon().name("output-" + id)
                .start(() -> copy(runc.getInputStream(), spec.output(), outputFailure));
        boolean finished = false;
        try {
            if (!runc.waitFor(spec.timeout().toNanos(), TimeUnit.NANOSECONDS)) {
                stop(id, runc);
                pump.join(PUMP_DRAIN.toMillis());
                throw new SandboxTimeoutException(id, spec.timeout());
            }
            pump.join();
            finished = true;
            int status = runc.exitValue();
            if (status != 0) {
                String error = runcError(log);
                if (error != null) {
                    throw new SandboxException("cannot run " + spec.argv() + ": " + error);
                }
            }
            if (outputFailure.get() != null) {
                throw new UncheckedIOException("cannot write the output of step " + id, outputFailure.get());
            }
            return status;
        } catch (InterruptedException e) {
            stop(id, runc); // before restoring the flag, which would cut its waits short
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while running " + spec.argv());
        } finally {
            if (!finished && runc.isAlive()) {
                stop(id, runc);
            }
            if (Files.exists(stateDir.resolve(id))) {
                HostCommand.of("runc", "--root", stateDir.toString(), "delete", "-f", id).run();
            }
        }
    }

    /**
     * Kills the container's processes. {@code runc kill} fails while runc is still creating the
     * container, hence the retries; a runc that will not exit is killed itself and
     * {@code runc delete -f} (always run afterwards) removes what it left.
     */
    private void stop(String id, Process runc) {
        for (int attempt = 0; attempt < 5 && runc.isAlive(); attempt++) {
            HostCommand.of("runc", "--root", stateDir.toString(), "kill", id, "KILL").run();
            try {
                runc.waitFor(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        runc.destroyForcibly();
    }

    /** Copies as it arrives; a failing output must not block the step, so the rest is drained. */
    private static void copy(InputStream from, OutputStream to, AtomicReference<IOException> failure) {
        byte[] buffer = new byte[8192];
        try (from) {
            int read;
            while ((read = from.read(buffer)) >= 0) {
                if (failure.get() != null) {
                    continue;
                }
                try {
                    to.write(buffer, 0, read);
                    to.flush();
                } catch (IOException e) {
                    failure.set(e);
                }
            }
        } catch (IOException ignored) {
            // the pipe closes when runc goes away
        }
    }

    /** The last error runc logged (setup failures such as a missing executable), or null. */
    private static String runcError(Path log) {
        if (!Files.exists(log)) {
            return null;
        }
        String error = null;
        try {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode entry = Json.MAPPER.readTree(line);
                if ("error".equals(entry.path("level").asString()) || "fatal".equals(entry.path("level").asString())) {
                    error = entry.path("msg").asString();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "runc failed and its log " + log + " is unreadable: " + e;
        }
        return error;
    }

    private static void validateTargets(RunSpec spec) {
        if (!RootfsPath.isAbsoluteAndClean(spec.workingDir())) {
            throw new SandboxException("working directory must be an absolute path without . or ..: " + spec.workingDir());
        }
        for (BindMount bind : spec.mounts()) {
            if (!RootfsPath.isAbsoluteAndClean(bind.target()) || bind.target().equals("/")) {
                throw new SandboxException("mount target must be an absolute path below / without . or ..: " + bind.target());
            }
            if (!Files.exists(bind.source())) {
                throw new SandboxException("mount source " + bind.source() + " for " + bind.target() + " does not exist");
            }
        }
    }

    /**
     * /etc/hosts (always: the sandbox's hostname must resolve) and, with host network, the host's
     * /etc/resolv.conf, as copies in the bundle so the step cannot touch the host's files.
     */
    private static List<RuncConfig.SupportFile> writeSupportFiles(Path bundle, boolean network) throws IOException {
        List<RuncConfig.SupportFile> files = new ArrayList<>();
        String hosts = network && Files.isReadable(HOST_HOSTS)
                ? Files.readString(HOST_HOSTS, StandardCharsets.UTF_8)
                : "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
        Path hostsCopy = bundle.resolve("hosts");
        Files.writeString(hostsCopy, hosts + (hosts.endsWith("\n") ? "" : "\n") + "127.0.0.1\t" + RuncConfig.HOSTNAME + "\n");
        files.add(new RuncConfig.SupportFile(hostsCopy, "/etc/hosts"));
        if (network && Files.isReadable(HOST_RESOLV_CONF)) {
            Path resolvConf = bundle.resolve("resolv.conf");
            Files.copy(HOST_RESOLV_CONF, resolvConf);
            files.add(new RuncConfig.SupportFile(resolvConf, "/etc/resolv.conf"));
        }
        return files;
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[8];
        IDS.nextBytes(bytes);
        return bytes;
    }

    private static Path createBundleDir() {
        try {
            return Files.createTempDirectory("stevedore-run-");
        } catch (IOException e) {
            throw new SandboxException("cannot create a runc bundle dir: " + e, e);
        }
    }
}
