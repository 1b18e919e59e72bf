package io.stevedore.builder.files;

/**
 * An in-image path whose symlinks chain too deep to resolve (the kernel's ELOOP): a loop, or a
 * chain longer than {@link RootPaths} follows. The message names the path.
 */
public class SymlinkLoopException extends RuntimeException {
    public SymlinkLoopException(String message) {
        super(message);
    }
}
