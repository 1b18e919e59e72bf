package io.stevedore.registry.auth.login;

import java.time.Duration;

/** Credentials that did not authenticate anyone, or a login refused by the rate limit. */
public class AuthenticationFailed extends RuntimeException {

    public enum Reason { BAD_CREDENTIALS, INVALID_TOKEN, THROTTLED }

    private final Reason reason;
    private final Duration retryAfter;

    private AuthenticationFailed(Reason reason, String message, Duration retryAfter) {
        super(message);
        this.reason = reason;
        this.retryAfter = retryAfter;
    }

    public static AuthenticationFailed badCredentials(String message) {
        return new AuthenticationFailed(Reason.BAD_CREDENTIALS, message, Duration.ZERO);
    }

    public static AuthenticationFailed invalidToken(String message) {
        return new AuthenticationFailed(Reason.INVALID_TOKEN, message, Duration.ZERO);
    }

    static AuthenticationFailed throttled(Duration retryAfter) {
        return new AuthenticationFailed(Reason.THROTTLED,
                "too many failed logins; try again in " + retryAfter.toSeconds() + " s", retryAfter);
    }

    public Reason reason() {
        return reason;
    }

    /** For THROTTLED: how long until a login may succeed again. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
