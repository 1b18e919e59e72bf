package io.stevedore.registry.retention;

import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.cluster.SingleReplica;
import io.stevedore.registry.metadata.ManifestStore;
import io.stevedore.registry.metadata.TagStore;
import io.stevedore.registry.retention.RetentionPlan.ManifestDeletion;
import io.stevedore.registry.retention.RetentionPlan.TagDeletion;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs retention policies: a dry run plans and changes nothing; a real run deletes what the plan
 * names, each tag and manifest in a transaction of its own with its audit entry, re-checking each
 * under a row lock so that whatever a push changed since the plan wins (the deletion is then
 * reported as skipped). Only metadata rows go: the blobs they alone referenced are freed by
 * garbage collection. A repository's own policy replaces its namespace's.
 */
@Component
public class Retention {
    /** The advisory lock of real runs on one repository, so two never overlap on any replica. */
    static final String REPOSITORY_TASK = "retention:";

    private final RetentionStore store;
    private final ImmutableTags immutable;
    private final TagStore tags;
    private final ManifestStore manifests;
    private final TransactionTemplate transaction;
    private final AuditLog audit;
    private final SingleReplica singleReplica;

    Retention(RetentionStore store, ImmutableTags immutable, TagStore tags, ManifestStore manifests,
              TransactionTemplate transaction, AuditLog audit, SingleReplica singleReplica) {
        this.store = store;
        this.immutable = immutable;
        this.tags = tags;
        this.manifests = manifests;
        this.transaction = transaction;
        this.audit = audit;
        this.singleReplica = singleReplica;
    }

    /** Who asked for a run: an API caller, or the schedule (actor and address null). */
    record Requester(String actor, String clientAddress) {
        static final Requester SCHEDULE = new Requester(null, null);
    }

    /**
     * What a run did (or, dry, would do) in one repository.
     *
     * @param policy  the target of the policy applied: the repository's own, or its namespace's
     * @param skipped deletions planned but not done, because a push changed their rows meanwhile
     *                or another run held the repository (then everything planned is skipped)
     */
    record RepositoryRun(String repository, String policy, List<TagDeletion> tags,
                         List<ManifestDeletion> manifests, List<String> skipped) {
    }

    /** The policy in force for the repository: its own, or else its namespace's. */
    Optional<RetentionPolicy.Stored> effectivePolicy(String repository) {
        return store.find(Target.repository(repository))
                .or(() -> store.find(Target.namespace(Target.namespaceOf(repository))));
    }

    /**
     * Runs the target's policy: on one repository (its own policy, or its namespace's), or on every
     * repository of a namespace that has no policy of its own. Empty when the target has no policy.
     */
    Optional<List<RepositoryRun>> run(Target target, boolean dryRun, Requester requester) {
        if (target.kind() == Target.Kind.REPOSITORY) {
            return effectivePolicy(target.name())
                    .map(policy -> List.of(runOn(target.name(), policy, dryRun, requester)));
        }
        return store.find(target).map(policy -> {
            List<RepositoryRun> runs = new ArrayList<>();
            for (String repository : governedBy(target)) {
                runs.add(runOn(repository, policy, dryRun, requester));
            }
            if (!dryRun) {
                store.recordRun(target, runs.stream().mapToInt(r -> r.tags().size()).sum(),
                        runs.stream().mapToInt(r -> r.manifests().size()).sum());
            }
            return runs;
        });
    }

    /** Every stored policy, each repository once: the schedule's run. */
    List<RepositoryRun> runAll() {
        List<RepositoryRun> runs = new ArrayList<>();
        for (RetentionPolicy.Stored policy : store.all()) {
            run(policy.target(), false, Requester.SCHEDULE).ifPresent(runs::addAll);
        }
        return runs;
    }

    /** The repositories of a namespace that its policy governs: those without a policy of their own. */
    private List<String> governedBy(Target namespace) {
        Set<String> own = new HashSet<>();
        for (RetentionPolicy.Stored policy : store.all()) {
            if (policy.target().kind() == Target.Kind.REPOSITORY) {
                own.add(policy.target().name());
            }
        }
        return store.repositoriesOf(namespace.name()).stream().filter(r -> !own.contains(r)).toList();
    }

    private RepositoryRun runOn(String repository, RetentionPolicy.Stored policy, boolean dryRun,
                                Requester requester) {
        Optional<Long> id = store.repositoryId(repository);
        if (id.isEmpty()) {
            return new RepositoryRun(repository, policy.target().toString(), List.of(), List.of(), List.of());
        }
        if (dryRun) {
            return asPlanned(repository, policy, plan(id.get(), repository, policy.policy()), List.of());
        }
        return singleReplica.runIfFree(REPOSITORY_TASK + repository,
                        () -> apply(id.get(), repository, policy, requester))
                .orElseGet(() -> new RepositoryRun(repository, policy.target().toString(), List.of(), List.of(),
                        List.of("another retention run holds " + repository + " now; nothing was deleted")));
    }

    private RetentionPlan plan(long repositoryId, String repository, RetentionPolicy policy) {
        return RetentionPlan.of(policy, immutable.patternsFor(repository), store.tags(repositoryId),
                store.manifests(repositoryId), store.children(repositoryId), store.now());
    }

    private RepositoryRun apply(long repositoryId, String repository, RetentionPolicy.Stored policy,
                                Requester requester) {
        RetentionPlan plan = plan(repositoryId, repository, policy.policy());
        List<String> immutablePatterns = immutable.patternsFor(repository);
        List<TagDeletion> deletedTags = new ArrayList<>();
        List<ManifestDeletion> deletedManifests = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (TagDeletion tag : plan.tags()) {
            boolean deleted = TagPatterns.firstMatch(immutablePatterns, tag.tag()).isEmpty()
                    && Boolean.TRUE.equals(transaction.execute(status -> {
                        boolean gone = tags.deleteIfUnchanged(repositoryId, tag.tag(), tag.digest(), tag.pushedAt());
                        if (gone) {
                            record(AuditLog.TAG_DELETED, requester, repository, policy, tag.tag(), tag.digest(),
                                    tag.reason());
                        }
                        return gone;
                    }));
            if (deleted) {
                deletedTags.add(tag);
            } else {
                skipped.add("tag " + tag.tag() + ": pushed again or made immutable since the plan");
            }
        }
        for (ManifestDeletion manifest : plan.manifests()) {
            boolean deleted = Boolean.TRUE.equals(transaction.execute(status -> {
                boolean gone = manifests.deleteUnreferenced(repositoryId, manifest.digest());
                if (gone) {
                    record(AuditLog.MANIFEST_DELETED, requester, repository, policy, manifest.digest(),
                            manifest.digest(), manifest.reason());
                }
                return gone;
            }));
            if (deleted) {
                deletedManifests.add(manifest);
            } else {
                skipped.add("manifest " + manifest.digest() + ": tagged or referenced again since the plan");
            }
        }
        if (policy.target().kind() == Target.Kind.REPOSITORY) {
            store.recordRun(policy.target(), deletedTags.size(), deletedManifests.size());
        }
        return asPlanned(repository, policy, new RetentionPlan(deletedTags, deletedManifests), skipped);
    }

    private void record(String event, Requester requester, String repository, RetentionPolicy.Stored policy,
                        String reference, String digest, String reason) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("reference", reference);
        detail.put("digest", digest);
        detail.put("retention", policy.target().toString());
        detail.put("reason", reason);
        audit.recordRepository(event, requester.actor(), requester.clientAddress(), repository, detail);
    }

    private static RepositoryRun asPlanned(String repository, RetentionPolicy.Stored policy, RetentionPlan plan,
                                           List<String> skipped) {
        return new RepositoryRun(repository, policy.target().toString(), plan.tags(), plan.manifests(), skipped);
    }
}
