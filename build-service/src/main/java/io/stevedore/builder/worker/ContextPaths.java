package io.stevedore.builder.worker;

import io.stevedore.builder.engine.BuildException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Paths a job names inside its context (the Dockerfile, a git subdir): refused when they lead out of it. */
final class ContextPaths {
    private ContextPaths() {}

    /** {@code relative} below {@code root}, also after following symlinks; a BuildException naming {@code what} otherwise. */
    static Path inside(Path root, String relative, String what) {
        Path resolved;
        try {
            resolved = root.resolve(relative).normalize();
        } catch (InvalidPathException e) {
            throw new BuildException(what + " '" + relative + "' is not a valid path");
        }
        if (relative.startsWith("/") || !resolved.startsWith(root)) {
            throw new BuildException(what + " '" + relative + "' is outside the build context");
        }
        if (Files.exists(resolved, LinkOption.NOFOLLOW_LINKS)) {
            try {
                if (!resolved.toRealPath().startsWith(root.toRealPath())) {
                    throw new BuildException(what + " '" + relative + "' leads outside the build context through a symlink");
                }
            } catch (IOException e) {
                throw new BuildException(what + " '" + relative + "' cannot be resolved: " + e.getMessage(), e);
            }
        }
        return resolved;
    }
}
