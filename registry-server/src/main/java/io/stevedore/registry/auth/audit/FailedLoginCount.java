package io.stevedore.registry.auth.audit;

/**
 * Failed logins within a window, and the seconds until the oldest of them leaves it.
 *
 * @param secondsUntilOldestExpires 0 when there are none
 */
public record FailedLoginCount(int count, long secondsUntilOldestExpires) {
}
