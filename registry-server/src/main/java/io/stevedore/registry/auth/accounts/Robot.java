package io.stevedore.registry.auth.accounts;

import java.time.Instant;

/**
 * A robot account {@code <namespace>+<name>}, of a user or an organization.
 *
 * @param shortName the part after the {@code +}
 */
public record Robot(long id, String namespace, String shortName, Instant createdAt) implements Account {

    @Override
    public String name() {
        return namespace + RobotStore.SEPARATOR + shortName;
    }

    @Override
    public Long userId() {
        return null;
    }

    @Override
    public Long robotId() {
        return id;
    }
}
