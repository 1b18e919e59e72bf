package io.stevedore.builder.sandbox;

import java.time.Duration;

/** A step ran longer than its timeout; its container has been killed and removed. */
public final class SandboxTimeoutException extends SandboxException {

    private final Duration timeout;

    public SandboxTimeoutException(String containerId, Duration timeout) {
        super("step " + containerId + " exceeded its timeout of " + timeout + " and was killed");
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }
}
