package io.stevedore.registry.auth.access;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What a grant lets its holder do on a repository, in rising order: read pulls, write also
 * pushes, admin also deletes and changes visibility. Their rank (1, 2, 3) is how SQL compares them.
 */
public enum Role {
    READ(Set.of(Scope.PULL)),
    WRITE(Set.of(Scope.PULL, Scope.PUSH)),
    ADMIN(Scope.REPOSITORY_ACTIONS);

    /** SQL: the rank of a role column ({@code %s}), 1 to 3, as {@link #ofRank} reads it. */
    static final String RANK_SQL = "array_position(array['read', 'write', 'admin'], %s::text)";

    private final Set<String> actions;

    Role(Set<String> actions) {
        this.actions = actions;
    }

    public Set<String> actions() {
        return actions;
    }

    /** The role of a rank (1 read, 2 write, 3 admin); empty for 0 (no role). */
    public static Optional<Role> ofRank(int rank) {
        return rank < 1 || rank > values().length ? Optional.empty() : Optional.of(values()[rank - 1]);
    }

    /** The name in SQL and JSON: {@code read}, {@code write}, {@code admin}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> parse(String text) {
        for (Role role : values()) {
            if (role.wireName().equals(text)) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
