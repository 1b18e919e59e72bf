package io.stevedore.builder.context;

/** A COPY/ADD source that does not exist, matches nothing, or lies outside the build context. */
public class BuildContextException extends RuntimeException {
    public BuildContextException(String message) {
        super(message);
    }

    public BuildContextException(String message, Throwable cause) {
        super(message, cause);
    }
}
