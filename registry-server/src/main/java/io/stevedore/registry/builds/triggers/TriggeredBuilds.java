package io.stevedore.registry.builds.triggers;

import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.access.AccessPolicy;
import io.stevedore.registry.auth.access.Role;
import io.stevedore.registry.auth.accounts.Account;
import io.stevedore.registry.auth.accounts.Accounts;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.builds.Build;
import io.stevedore.registry.builds.BuildQueue;
import io.stevedore.registry.builds.BuildRequests;
import io.stevedore.registry.builds.BuildSpec;
import io.stevedore.registry.config.RegistryProperties;
import io.stevedore.registry.secrets.SealingKey;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What an authentic webhook delivery does: a push that passes the trigger's filters queues a
 * build of exactly the pushed commit, as {@code POST /api/v1/builds} would on behalf of the
 * trigger's creator; anything else is acknowledged and ignored. Each delivery id counts once.
 */
@Component
class TriggeredBuilds {
    static final String BUILD_TRIGGERED = "build.triggered";
    /** The build secret that carries the trigger's git credential. */
    static final String GIT_SECRET = "git-credentials";
    private static final Pattern DELIVERY_ID = Pattern.compile("[\\x21-\\x7e]{1,200}");

    private final BuildTriggerStore triggers;
    private final BuildQueue queue;
    private final SealingKey sealing;
    private final AuditLog audit;
    private final Accounts accounts;
    private final AccessPolicy policy;
    private final TransactionTemplate transaction;
    private final boolean authEnabled;

    TriggeredBuilds(BuildTriggerStore triggers, BuildQueue queue, SealingKey sealing, AuditLog audit, Accounts accounts,
                    AccessPolicy policy, TransactionTemplate transaction, RegistryProperties properties) {
        this.triggers = triggers;
        this.queue = queue;
        this.sealing = sealing;
        this.audit = audit;
        this.accounts = accounts;
        this.policy = policy;
        this.transaction = transaction;
        this.authEnabled = properties.auth().enabled();
    }

    /** The status and JSON body a webhook sender gets. */
    record Answer(HttpStatus status, Map<String, Object> body) {
    }

    Answer deliver(BuildTrigger trigger, WebhookSource source, WebhookSource.Received received, String clientAddress) {
        return switch (received.event()) {
            case WebhookEvent.Ping ping -> ok(Map.of("ok", true, "trigger", trigger.id()));
            case WebhookEvent.Other other -> ok(Map.of("ignored", "a " + other.event() + " event is not a push"));
            case WebhookEvent.Push push -> transaction.execute(status ->
                    push(trigger, source, deliveryId(received.deliveryId()), push, clientAddress));
        };
    }

    private Answer push(BuildTrigger trigger, WebhookSource source, String delivery, WebhookEvent.Push push,
                        String clientAddress) {
        Optional<BuildTriggerStore.Delivery> earlier = triggers.claim(trigger.id(), delivery, push.ref(), push.sha());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("delivery", delivery);
        if (earlier.isPresent()) {
            body.put("duplicate", true);
            body.put("build", earlier.get().buildId());
            body.put("outcome", earlier.get().outcome());
            return ok(body);
        }
        List<String> tags = push.deletion() ? List.of() : TagTemplates.render(trigger, push);
        Optional<String> ignored = whyIgnored(trigger, push, tags);
        if (ignored.isPresent()) {
            triggers.complete(trigger.id(), delivery, "ignored", ignored.get(), null);
            body.put("ignored", ignored.get());
            return ok(body);
        }
        byte[] sealedGitSecret = triggers.secrets(trigger.id()).map(BuildTriggerStore.SealedSecrets::git).orElse(null);
        String gitSecret = sealedGitSecret == null ? null
                : Base64.getEncoder().encodeToString(sealing.open(sealedGitSecret));
        BuildRequests.Checked checked = BuildRequests.check(submission(trigger, push.sha(), tags, gitSecret));
        creatorMayPush(trigger);
        Build build = queue.submit(checked, trigger.createdBy(), clientAddress);
        triggers.complete(trigger.id(), delivery, "queued", null, build.id());

        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("trigger", trigger.id());
        detail.put("source", source.wireName());
        detail.put("delivery", delivery);
        detail.put("ref", push.ref());
        detail.put("sha", push.sha());
        detail.put("build", build.id());
        detail.put("tags", build.spec().tags());
        // the builds run on the authority of the trigger's creator; the webhook proved the secret
        audit.recordRepository(BUILD_TRIGGERED, trigger.createdBy(), clientAddress, trigger.repository(), detail);

        body.put("build", build.id());
        body.put("tags", build.spec().tags());
        body.put("url", "/api/v1/builds/" + build.id());
        return new Answer(HttpStatus.ACCEPTED, body);
    }

    /**
     * The build submission of a push: the trigger's git URL (never the payload's) at the pushed
     * commit, so the build is of exactly what was pushed.
     *
     * @param gitSecret the git credential, base64, or null
     */
    static BuildRequests.Submission submission(BuildTrigger trigger, String sha, List<String> tags, String gitSecret) {
        Map<String, String> secrets = gitSecret == null ? Map.of() : Map.of(GIT_SECRET, gitSecret);
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("org.opencontainers.image.source", trigger.gitUrl());
        labels.put("org.opencontainers.image.revision", sha);
        return new BuildRequests.Submission(tags.stream().map(tag -> trigger.repository() + ":" + tag).toList(), null,
                new BuildSpec.GitSource(trigger.gitUrl(), sha, trigger.subdir(), gitSecret == null ? null : GIT_SECRET),
                trigger.dockerfile(), trigger.buildArgs(), null, trigger.platforms(), false, labels, secrets);
    }

    private static Optional<String> whyIgnored(BuildTrigger trigger, WebhookEvent.Push push, List<String> tags) {
        if (!trigger.enabled()) {
            return Optional.of("the trigger is disabled");
        }
        if (push.deletion()) {
            return Optional.of(push.ref() + " was deleted");
        }
        if (push.branch() == null && push.tag() == null) {
            return Optional.of(push.ref() + " is neither a branch nor a tag");
        }
        boolean matches = push.branch() != null ? RefPatterns.anyMatches(trigger.branches(), push.branch())
                : RefPatterns.anyMatches(trigger.tags(), push.tag());
        if (!matches) {
            return Optional.of(push.ref() + " matches no filter");
        }
        if (tags.isEmpty()) {
            return Optional.of("no tag template applies to " + push.ref());
        }
        return Optional.empty();
    }

    /**
     * The builds push as the trigger's creator (their lease's credential acts for that account),
     * so a creator who lost write access, or was deleted, leaves a trigger that can build nothing.
     */
    private void creatorMayPush(BuildTrigger trigger) {
        if (!authEnabled || trigger.createdBy() == null) {
            return;
        }
        Optional<Account> creator = accounts.find(trigger.createdBy());
        boolean mayPush = creator.flatMap(account -> policy.role(account, RepositoryName.of(trigger.repository())))
                .map(role -> role.compareTo(Role.WRITE) >= 0).orElse(false);
        if (!mayPush) {
            throw ApiException.forbidden("the trigger's creator " + trigger.createdBy() + " may no longer push to "
                    + trigger.repository() + "; an admin of the repository must create the trigger again");
        }
    }

    /** The sender's delivery id; one it did not give is made up, and then cannot protect against replays. */
    private static String deliveryId(String given) {
        if (given == null || given.isBlank()) {
            return "unnamed-" + UUID.randomUUID();
        }
        if (!DELIVERY_ID.matcher(given).matches()) {
            throw ApiException.badRequest("the delivery id must be 1 to 200 printable characters without spaces");
        }
        return given;
    }

    private static Answer ok(Map<String, Object> body) {
        return new Answer(HttpStatus.OK, body);
    }
}
