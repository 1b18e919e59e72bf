package io.stevedore.registry.auth.login;

import io.stevedore.registry.auth.accounts.Account;
import java.util.Optional;

/**
 * Credentials that another feature hands out and checks itself, such as the push credential a
 * build worker gets with its lease; {@link Logins} asks each kind whether it recognises a name.
 */
public interface IssuedCredentials {

    /** Whether the user name is one of this kind's (they never collide with account names). */
    boolean recognises(String username);

    /** The account the credentials stand for, while they are valid. */
    Optional<Account> authenticate(String username, String secret);
}
