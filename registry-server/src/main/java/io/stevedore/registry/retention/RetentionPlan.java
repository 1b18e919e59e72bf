package io.stevedore.registry.retention;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a retention policy deletes in one repository, computed from its rows alone (no I/O), so the
 * dry run and the real run decide alike.
 *
 * <p>Tags: a tag matching a protect pattern or an immutable tag rule stays. Of the others, each
 * keep rule ranks the tags its pattern matches by push time, newest first, and keeps the first N;
 * a tag that some rule matches and no rule keeps is deleted; a tag no rule matches stays.
 *
 * <p>Manifests: a manifest is live when a tag reaches it, directly or as a child of a live index,
 * or as a referrer (signature, SBOM) of a live manifest. A manifest that was live only through
 * tags this run deletes goes with them. An untagged manifest (live before the run through no tag)
 * goes when it was pushed longer ago than {@code untaggedOlderThan}, unless a manifest that stays
 * reaches it: a young untagged index keeps its children, a staying subject keeps its referrers.
 * Deletions are ordered so that what keeps a manifest goes before it (an index before its
 * children, a subject before its referrers), which is the order the real run re-checks them in.
 */
record RetentionPlan(List<TagDeletion> tags, List<ManifestDeletion> manifests) {

    record TagRow(String name, String digest, Instant pushedAt) {
    }

    record ManifestRow(String digest, String mediaType, String subject, Instant pushedAt) {
    }

    record TagDeletion(String tag, String digest, Instant pushedAt, String reason) {
    }

    record ManifestDeletion(String digest, String mediaType, Instant pushedAt, String reason) {
    }

    boolean isEmpty() {
        return tags.isEmpty() && manifests.isEmpty();
    }

    static RetentionPlan of(RetentionPolicy policy, List<String> immutable, List<TagRow> tags,
                            List<ManifestRow> manifests, Map<String, List<String>> children, Instant now) {
        List<TagDeletion> tagDeletions = tagDeletions(policy, immutable, tags);
        Set<String> deletedTags = tagDeletions.stream().map(TagDeletion::tag).collect(Collectors.toSet());

        Map<String, ManifestRow> byDigest = manifests.stream()
                .collect(Collectors.toMap(ManifestRow::digest, Function.identity(), (a, b) -> a));
        Map<String, List<String>> reaches = new HashMap<>();
        children.forEach((index, kids) -> reaches.computeIfAbsent(index, k -> new ArrayList<>()).addAll(kids));
        for (ManifestRow m : manifests) {
            if (m.subject() != null) {
                reaches.computeIfAbsent(m.subject(), k -> new ArrayList<>()).add(m.digest());
            }
        }
        Set<String> liveBefore = closure(tags.stream().map(TagRow::digest).toList(), reaches, byDigest);
        List<String> roots = new ArrayList<>(tags.stream().filter(t -> !deletedTags.contains(t.name()))
                .map(TagRow::digest).toList());
        Instant cutoff = policy.untaggedOlderThan() == null ? null : now.minus(policy.untaggedOlderThan());
        for (ManifestRow m : manifests) {
            if (!liveBefore.contains(m.digest()) && (cutoff == null || !m.pushedAt().isBefore(cutoff))) {
                roots.add(m.digest()); // untagged, but young (or no rule for untagged manifests)
            }
        }
        Set<String> staying = closure(roots, reaches, byDigest);

        Map<String, String> reasons = new HashMap<>();
        for (ManifestRow m : manifests) {
            if (staying.contains(m.digest())) {
                continue;
            }
            if (liveBefore.contains(m.digest())) {
                List<String> itsTags = tags.stream().filter(t -> t.digest().equals(m.digest()))
                        .map(TagRow::name).sorted().toList();
                reasons.put(m.digest(), itsTags.isEmpty() ? "reached only through tags this policy deletes"
                        : "its tags " + String.join(", ", itsTags) + " are deleted by this policy");
            } else {
                reasons.put(m.digest(), "untagged, pushed " + m.pushedAt() + ", before the cutoff " + cutoff
                        + " (untaggedOlderThan " + policy.untaggedOlderThan() + ")");
            }
        }
        List<ManifestDeletion> manifestDeletions = new ArrayList<>();
        for (String digest : deletionOrder(reasons.keySet(), children, byDigest)) {
            ManifestRow m = byDigest.get(digest);
            manifestDeletions.add(new ManifestDeletion(digest, m.mediaType(), m.pushedAt(), reasons.get(digest)));
        }
        return new RetentionPlan(tagDeletions, manifestDeletions);
    }

    private static List<TagDeletion> tagDeletions(RetentionPolicy policy, List<String> immutable, List<TagRow> tags) {
        List<TagRow> candidates = tags.stream()
                .filter(t -> TagPatterns.firstMatch(policy.protect(), t.name()).isEmpty()
                        && TagPatterns.firstMatch(immutable, t.name()).isEmpty())
                .sorted(Comparator.comparing(TagRow::pushedAt).thenComparing(TagRow::name).reversed())
                .toList();
        Set<String> kept = new HashSet<>();
        Map<String, String> matchedBy = new HashMap<>();
        for (RetentionPolicy.KeepRule rule : policy.keep()) {
            List<TagRow> matching = candidates.stream().filter(t -> TagPatterns.matches(rule.pattern(), t.name()))
                    .toList();
            matching.stream().limit(rule.keepLast()).forEach(t -> kept.add(t.name()));
            matching.forEach(t -> matchedBy.putIfAbsent(t.name(),
                    "not among the last " + rule.keepLast() + " pushed tags matching " + rule.pattern()));
        }
        return candidates.stream().filter(t -> matchedBy.containsKey(t.name()) && !kept.contains(t.name()))
                .sorted(Comparator.comparing(TagRow::pushedAt).thenComparing(TagRow::name))
                .map(t -> new TagDeletion(t.name(), t.digest(), t.pushedAt(),
                        matchedBy.get(t.name()) + " (pushed " + t.pushedAt() + ")"))
                .toList();
    }

    /** Every manifest of the repository reachable from {@code roots}. */
    private static Set<String> closure(List<String> roots, Map<String, List<String>> reaches,
                                       Map<String, ManifestRow> existing) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            String digest = todo.pop();
            if (existing.containsKey(digest) && seen.add(digest)) {
                todo.addAll(reaches.getOrDefault(digest, List.of()));
            }
        }
        return seen;
    }

    /** The doomed manifests, each after every doomed index listing it and after its doomed subject. */
    private static List<String> deletionOrder(Set<String> doomed, Map<String, List<String>> children,
                                              Map<String, ManifestRow> byDigest) {
        Map<String, List<String>> keepers = new HashMap<>();
        children.forEach((index, kids) -> kids.forEach(kid -> keepers.computeIfAbsent(kid, k -> new ArrayList<>())
                .add(index)));
        Set<String> ordered = new LinkedHashSet<>();
        Set<String> visiting = new HashSet<>();
        for (String digest : doomed.stream().sorted().toList()) {
            visit(digest, doomed, keepers, byDigest, ordered, visiting);
        }
        return List.copyOf(ordered);
    }

    private static void visit(String digest, Set<String> doomed, Map<String, List<String>> keepers,
                              Map<String, ManifestRow> byDigest, Set<String> ordered, Set<String> visiting) {
        if (ordered.contains(digest) || !visiting.add(digest)) {
            return;
        }
        List<String> before = new ArrayList<>(keepers.getOrDefault(digest, List.of()));
        Optional.ofNullable(byDigest.get(digest).subject()).ifPresent(before::add);
        before.stream().filter(doomed::contains).sorted()
                .forEach(keeper -> visit(keeper, doomed, keepers, byDigest, ordered, visiting));
        ordered.add(digest);
    }
}
