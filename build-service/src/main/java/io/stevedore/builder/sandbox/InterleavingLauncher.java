package io.stevedore.builder.sandbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a step's stdout and stderr in the order it wrote them.
 *
 * <p>A foreground {@code runc run} gives the container two pipes of its own for stdout and stderr
 * and copies each to its own stdio in a separate goroutine, so lines written to the two streams
 * come out reordered. The step is therefore started through the host's static busybox, bind-mounted
 * read-only into the container's /dev tmpfs (so no mount point reaches the layer): its shell points
 * fd 2 at fd 1, then {@code env -i} execs the step's argv with exactly the step's environment (the
 * shell's own PWD and SHLVL do not leak). PID 1, cwd, uid and PATH lookup stay those of the step;
 * a missing executable becomes exit status 127 with env's message in the output.
 *
 * <p>Without a static busybox on the host (Debian package busybox-static), or for an argv[0] that
 * env would take for a variable ({@code a=b}), the step starts directly and the two streams may
 * reorder.
 */
final class InterleavingLauncher {

    static final String TARGET = "/dev/.stevedore/busybox";
    private static final Path HOST_BUSYBOX = Path.of("/bin/busybox");
    private static final boolean HOST_HAS_STATIC_BUSYBOX = isStaticElf(HOST_BUSYBOX);

    private InterleavingLauncher() {
    }

    static boolean appliesTo(RunSpec spec) {
        return HOST_HAS_STATIC_BUSYBOX
                && !spec.argv().getFirst().contains("=")
                && spec.env().stream().allMatch(entry -> entry.indexOf('=') > 0);
    }

    static Path hostBusybox() {
        return HOST_BUSYBOX;
    }

    /** The argv that runs {@code spec}'s argv in {@code env} with stderr on stdout. */
    static List<String> argv(RunSpec spec, List<String> env) {
        List<String> argv = new ArrayList<>(List.of(TARGET, "sh", "-c", "exec 2>&1; exec " + TARGET + " env -i -- \"$@\"", "sh"));
        argv.addAll(env);
        argv.addAll(spec.argv());
        return argv;
    }

    /** An ELF file without a PT_INTERP program header needs no dynamic loader inside the container. */
    static boolean isStaticElf(Path file) {
        if (!Files.isRegularFile(file) || !Files.isExecutable(file)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(file)) {
            ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(header, 0);
            if (header.getInt(0) != 0x464c457f || header.get(4) != 2 || header.get(5) != 1) {
                return false; // not a 64-bit little-endian ELF: not the kind of binary we can reason about
            }
            long programHeaders = header.getLong(0x20);
            int entrySize = Short.toUnsignedInt(header.getShort(0x36));
            int entries = Short.toUnsignedInt(header.getShort(0x38));
            ByteBuffer entry = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < entries; i++) {
                entry.clear();
                channel.read(entry, programHeaders + (long) i * entrySize);
                if (entry.getInt(0) == 3) { // PT_INTERP
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
