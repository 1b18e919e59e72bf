package io.stevedore.builder.engine;

/** A build failed for a reason the user can act on; the message says which step and why. */
public class BuildException extends RuntimeException {
    public BuildException(String message) {
        super(message);
    }

    public BuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
