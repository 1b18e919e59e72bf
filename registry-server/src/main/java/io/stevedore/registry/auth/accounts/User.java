package io.stevedore.registry.auth.accounts;

import java.time.Instant;

/**
 * A user: a name (which is also their namespace), a password hash, and whether they are a site admin.
 *
 * @param passwordHash with its algorithm's {id} prefix, never the password
 */
public record User(long id, String username, String passwordHash, boolean admin, Instant createdAt)
        implements Account {

    @Override
    public String name() {
        return username;
    }

    @Override
    public Long userId() {
        return id;
    }

    @Override
    public Long robotId() {
        return null;
    }
}
