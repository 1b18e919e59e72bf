package io.stevedore.builder.sandbox;

import io.stevedore.oci.Platform;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One RUN step as the sandbox executes it.
 *
 * @param rootfs           the merged overlay directory the step sees as {@code /}
 * @param argv             the exact argv (SHELL already applied for shell form)
 * @param env              KEY=VALUE entries in order, PATH included
 * @param workingDir       absolute in-image path, created (root, 0755) when missing
 * @param user             "", "name", "uid", "name:group" or "uid:gid", resolved in the rootfs
 * @param network          false: own network namespace with loopback only; true: host network
 * @param timeout          the container is killed when it expires ({@link SandboxTimeoutException})
 * @param memoryLimitBytes 0 for none, else the cgroup memory limit
 * @param mounts           secrets, cache dirs and bind mounts
 * @param platform         the image platform; a foreign one runs under qemu (see {@link Binfmt})
 * @param output           receives stdout and stderr of the step, interleaved, as produced
 */
public record RunSpec(
        Path rootfs,
        List<String> argv,
        List<String> env,
        String workingDir,
        String user,
        boolean network,
        Duration timeout,
        long memoryLimitBytes,
        List<BindMount> mounts,
        Platform platform,
        OutputStream output) {

    public RunSpec {
        Objects.requireNonNull(rootfs, "rootfs");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(timeout, "timeout");
        if (argv == null || argv.isEmpty()) {
            throw new IllegalArgumentException("argv must name a program");
        }
        argv = List.copyOf(argv);
        env = env == null ? List.of() : List.copyOf(env);
        workingDir = workingDir == null || workingDir.isEmpty() ? "/" : workingDir;
        user = user == null ? "" : user;
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        if (memoryLimitBytes < 0) {
            throw new IllegalArgumentException("memoryLimitBytes must be 0 (none) or positive");
        }
    }
}
