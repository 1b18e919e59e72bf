package io.stevedore.build.layers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** A real overlayfs mount (userxattr, as the executor mounts it) for tests; close() unmounts. */
public final class OverlayMount implements AutoCloseable {
    private final Path merged;

    private OverlayMount(Path merged) {
        this.merged = merged;
    }

    /** {@code lowers} top first. */
    public static OverlayMount mount(List<Path> lowers, Path upper, Path work, Path merged) throws Exception {
        Files.createDirectories(upper);
        Files.createDirectories(work);
        Files.createDirectories(merged);
        String lowerdir = lowers.stream().map(Path::toString).collect(Collectors.joining(":"));
        run("mount", "-t", "overlay", "overlay", "-o",
                "userxattr,lowerdir=" + lowerdir + ",upperdir=" + upper + ",workdir=" + work, merged.toString());
        return new OverlayMount(merged);
    }

    public Path merged() {
        return merged;
    }

    @Override
    public void close() throws Exception {
        run("umount", merged.toString());
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }
}
