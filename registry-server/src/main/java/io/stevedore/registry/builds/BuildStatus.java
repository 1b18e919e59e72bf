package io.stevedore.registry.builds;

import java.util.Locale;
import java.util.Optional;

/** Where a build stands; the last three are final. */
public enum BuildStatus {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    /** The name in SQL and JSON: {@code queued}, {@code running}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<BuildStatus> parse(String text) {
        for (BuildStatus status : values()) {
            if (status.wireName().equals(text)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }

    public boolean ended() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
