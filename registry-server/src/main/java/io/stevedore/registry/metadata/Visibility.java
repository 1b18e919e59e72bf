package io.stevedore.registry.metadata;

import java.util.Locale;
import java.util.Optional;

/** Who may pull a repository: anyone (public), or only those its namespace gives access (private). */
public enum Visibility {
    PRIVATE, PUBLIC;

    /** The name in SQL and JSON: {@code private}, {@code public}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Visibility> parse(String text) {
        for (Visibility v : values()) {
            if (v.wireName().equals(text)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }
}
