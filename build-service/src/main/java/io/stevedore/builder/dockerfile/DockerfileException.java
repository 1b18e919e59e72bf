package io.stevedore.builder.dockerfile;

/** A Dockerfile that cannot be parsed; the message names the line: {@code Dockerfile:12: ...}. */
public final class DockerfileException extends RuntimeException {

    private final int line;
    private final String reason;

    public DockerfileException(int line, String reason) {
        super("Dockerfile:" + line + ": " + reason);
        this.line = line;
        this.reason = reason;
    }

    /** 1-based line the problem was found at (the instruction's first line where it spans several). */
    public int line() {
        return line;
    }

    /** The message without the location. */
    public String reason() {
        return reason;
    }
}
