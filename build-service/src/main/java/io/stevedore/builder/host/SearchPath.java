package io.stevedore.builder.host;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The directories a program name is looked up in, as {@link ProcessBuilder} does with this
 * process's PATH. Looking a tool up costs a few stat calls, never a process start, so it can be
 * asked on every build (the CLI's start time is benchmarked against BuildKit's).
 */
public record SearchPath(List<Path> directories) {
    /** What execvp(3) falls back to when PATH is unset. */
    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    public SearchPath {
        directories = List.copyOf(directories);
    }

    /** This process's PATH: the one every tool it starts is found on (a daemon's own, not its client's). */
    public static SearchPath ofThisProcess() {
        String path = System.getenv("PATH");
        return parse(path == null ? DEFAULT_PATH : path);
    }

    /** A PATH value; empty entries (which would mean the working directory) are ignored. */
    public static SearchPath parse(String path) {
        List<Path> directories = new ArrayList<>();
        for (String entry : path.split(":")) {
            if (entry.isEmpty()) {
                continue;
            }
            try {
                directories.add(Path.of(entry));
            } catch (InvalidPathException ignored) {
                // not a directory anything could be found in
            }
        }
        return new SearchPath(directories);
    }

    /** The executable a program name would start, if any. */
    public Optional<Path> find(String program) {
        for (Path directory : directories) {
            Path candidate = directory.resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    public boolean contains(String program) {
        return find(program).isPresent();
    }
}
