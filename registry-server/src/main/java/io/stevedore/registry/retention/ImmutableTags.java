package io.stevedore.registry.retention;

import io.stevedore.oci.Digest;
import io.stevedore.registry.metadata.RepositoryDeletionGuard;
import io.stevedore.registry.metadata.TagStore;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Immutable tags: once a tag matching an immutable pattern of its repository (or its namespace)
 * points at a manifest, it is never moved to another one nor deleted, and its manifest is not
 * deleted either. Pushing the same manifest to it again is fine. The checks run inside the push's
 * or delete's transaction and lock the rows they decide on, so a concurrent push of the same tag
 * cannot slip past: the first push creates the tag, the second finds it and is refused.
 */
@Component
public class ImmutableTags implements RepositoryDeletionGuard {
    private final ImmutableTagStore rules;
    private final TagStore tags;

    ImmutableTags(ImmutableTagStore rules, TagStore tags) {
        this.rules = rules;
        this.tags = tags;
    }

    /** Why pushing to the tag is refused: a message for the client, or empty when it is allowed. */
    public record Refusal(String message) {
    }

    /**
     * Call in the push's transaction, before pointing the tag at the manifest. For an immutable
     * tag this creates the tag when it is new (or locks it when it exists), so that the check and
     * the write are one step.
     */
    public Optional<Refusal> checkPush(long repositoryId, String repository, String tag, long manifestId) {
        Optional<String> rule = TagPatterns.firstMatch(rules.patternsFor(repository), tag);
        if (rule.isEmpty()) {
            return Optional.empty();
        }
        long current = tags.putIfAbsent(repositoryId, tag, manifestId);
        return current == manifestId ? Optional.empty()
                : Optional.of(new Refusal(immutable(tag, rule.get(), repository)
                        + ": it points at another manifest, and pushing a different one to it is refused"));
    }

    /**
     * Points the tag at the manifest unless an immutable rule refuses it: for writers that set
     * tags outside a manifest's own statement (the images API). Call in their transaction.
     */
    public Optional<Refusal> putTag(long repositoryId, String repository, String tag, long manifestId) {
        Optional<Refusal> refusal = checkPush(repositoryId, repository, tag, manifestId);
        if (refusal.isEmpty()) {
            tags.put(repositoryId, tag, manifestId);
        }
        return refusal;
    }

    /** Whether an immutable rule covers the tag: a push to it must then go through {@link #checkPush}. */
    public boolean covers(String repository, String tag) {
        return TagPatterns.firstMatch(rules.patternsFor(repository), tag).isPresent();
    }

    /** Whether deleting the tag is refused. */
    public Optional<Refusal> checkTagDelete(String repository, String tag) {
        return TagPatterns.firstMatch(rules.patternsFor(repository), tag)
                .map(rule -> new Refusal(immutable(tag, rule, repository) + ": it cannot be deleted"));
    }

    /**
     * Call in the delete's transaction, before deleting the manifest: locks it, so that no tag can
     * be pointed at it meanwhile, and refuses when an immutable tag points at it.
     */
    public Optional<Refusal> checkManifestDelete(String repository, Digest digest) {
        List<String> patterns = rules.patternsFor(repository);
        if (patterns.isEmpty()) {
            return Optional.empty();
        }
        for (String tag : rules.lockAndListTags(repository, digest.toString())) {
            Optional<String> rule = TagPatterns.firstMatch(patterns, tag);
            if (rule.isPresent()) {
                return Optional.of(new Refusal("manifest " + digest + " is tagged " + tag + ", and "
                        + immutable(tag, rule.get(), repository) + ": the manifest cannot be deleted"));
            }
        }
        return Optional.empty();
    }

    /**
     * A repository holding an immutable tag is not deleted (its releases would go with it).
     * Locks the repository's row first, so that no push adds such a tag after the check.
     */
    @Override
    public Optional<String> refusal(String repository) {
        List<String> patterns = rules.patternsFor(repository);
        if (patterns.isEmpty()) {
            return Optional.empty();
        }
        for (String tag : rules.lockRepositoryAndListTags(repository)) {
            Optional<String> rule = TagPatterns.firstMatch(patterns, tag);
            if (rule.isPresent()) {
                return Optional.of("repository " + repository + " holds tag " + tag + ", and "
                        + immutable(tag, rule.get(), repository) + ": the repository cannot be deleted"
                        + " while it holds immutable tags; remove the rule first");
            }
        }
        return Optional.empty();
    }

    /** The patterns that apply to the repository (its own, then its namespace's). */
    List<String> patternsFor(String repository) {
        return rules.patternsFor(repository);
    }

    private static String immutable(String tag, String rule, String repository) {
        return "tag " + tag + " is immutable (rule " + rule + ") in repository " + repository;
    }
}
