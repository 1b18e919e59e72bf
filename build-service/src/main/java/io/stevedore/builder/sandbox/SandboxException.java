package io.stevedore.builder.sandbox;

/** The sandbox could not set up, run or clean up a step; the message says what and where. */
public class SandboxException extends RuntimeException {

    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
