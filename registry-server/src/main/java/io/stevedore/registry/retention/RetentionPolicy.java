package io.stevedore.registry.retention;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What a retention run deletes in a repository: tags beyond the last {@code keepLast} pushed of
 * each rule's pattern, and untagged manifests pushed more than {@code untaggedOlderThan} ago;
 * never a tag matching {@code protect} (or an immutable tag rule).
 *
 * @param untaggedOlderThan null: untagged manifests are kept, however old
 */
public record RetentionPolicy(List<KeepRule> keep, List<String> protect, Duration untaggedOlderThan) {

    public RetentionPolicy {
        keep = List.copyOf(keep);
        protect = List.copyOf(protect);
    }

    /** Of the tags matching {@code pattern}, the {@code keepLast} most recently pushed stay. */
    public record KeepRule(String pattern, int keepLast) {
    }

    /** A stored policy, with what the last real run deleted. */
    public record Stored(Target target, RetentionPolicy policy, String updatedBy, Instant updatedAt,
                         Instant lastRunAt, Integer lastRunTags, Integer lastRunManifests) {
    }
}
