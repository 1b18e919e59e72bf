package io.stevedore.registry.e2e;

import io.stevedore.registry.postgres.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a build worker killed with SIGKILL leaves under its work dir: runc containers still
 * running their step, and overlay mounts. Tests that kill workers clean them up, then the dir.
 */
final class SandboxLeftovers {
    private SandboxLeftovers() {
    }

    /** Kills runc containers whose state lives under {@code root}, unmounts what is mounted there, deletes it. */
    static void clean(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root, 4)) {
            for (Path state : paths.filter(p -> p.getFileName().toString().equals("runc") && Files.isDirectory(p))
                    .toList()) {
                String ids = Processes.run("runc", "--root", state.toString(), "list", "-q").out();
                for (String id : ids.lines().filter(line -> !line.isBlank()).toList()) {
                    Processes.run("runc", "--root", state.toString(), "delete", "-f", id);
                }
            }
        }
        String prefix = root.toAbsolutePath().normalize() + "/";
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .map(line -> line.split(" ")[1].replace("\\040", " "))
                .filter(point -> point.startsWith(prefix))
                .sorted(Comparator.reverseOrder()).toList();
        for (String point : mounts) {
            Processes.run("umount", "-l", point);
        }
        FileTrees.delete(root);
    }
}
