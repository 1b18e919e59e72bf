package io.stevedore.registry.auth.accounts;

/**
 * Someone who logs in: a user (password or personal access token), a robot account (its
 * token), or a build acting for whoever submitted it. What an account may do is decided by
 * the access policy ({@code auth.access.AccessPolicy}) from these ids.
 */
public sealed interface Account permits User, Robot, BuildAccount {

    /** The login name: {@code alice}, or {@code acme+ci} for a robot. */
    String name();

    /** The user's id, or null for a robot. */
    Long userId();

    /** The robot's id, or null for a user. */
    Long robotId();
}
