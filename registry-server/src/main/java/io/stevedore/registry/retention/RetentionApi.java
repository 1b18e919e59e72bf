package io.stevedore.registry.retention;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.access.Caller;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.retention.RetentionPolicy.KeepRule;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/retention}: retention policies of a repository
 * ({@code /repositories/<name>}, the name last since it holds slashes) or of a namespace
 * ({@code /namespaces/<ns>}), and runs of them ({@code /run/repositories/<name>},
 * {@code /run/namespaces/<ns>}, {@code ?dryRun=true} to only list what would go).
 */
@RestController
@RequestMapping(path = "/api/v1/retention", produces = MediaType.APPLICATION_JSON_VALUE)
class RetentionApi {
    static final String POLICY_CHANGED = "retention.policy-changed";
    static final String POLICY_DELETED = "retention.policy-deleted";
    private static final int MAX_KEEP_RULES = 32;
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d{1,9})([smhd])");

    private final RetentionAccess access;
    private final RetentionStore store;
    private final Retention retention;
    private final AuditLog audit;

    RetentionApi(RetentionAccess access, RetentionStore store, Retention retention, AuditLog audit) {
        this.access = access;
        this.store = store;
        this.retention = retention;
        this.audit = audit;
    }

    /** The body of a PUT: {@code untaggedOlderThan} like {@code 7d}, {@code 12h} or ISO-8601 {@code P7D}. */
    record PolicyBody(List<KeepRuleBody> keep, List<String> protect, String untaggedOlderThan) {
    }

    record KeepRuleBody(String pattern, Integer last) {
    }

    record LastRun(Instant at, Integer tags, Integer manifests) {
    }

    /** A policy as the API shows it; {@code appliesFrom} names the target it is set on. */
    record PolicyView(String appliesFrom, List<KeepRuleBody> keep, List<String> protect, String untaggedOlderThan,
                      String updatedBy, Instant updatedAt, LastRun lastRun) {
    }

    record RunView(boolean dryRun, List<Retention.RepositoryRun> repositories) {
    }

    @GetMapping("/repositories/{*name}")
    PolicyView getRepository(HttpServletRequest request, @PathVariable String name) {
        String repository = RetentionAccess.repositoryName(name);
        access.mayRead(request, repository);
        return retention.effectivePolicy(repository).map(RetentionApi::view)
                .orElseThrow(() -> ApiException.notFound("no retention policy applies to " + repository));
    }

    @PutMapping(path = "/repositories/{*name}", consumes = MediaType.APPLICATION_JSON_VALUE)
    PolicyView putRepository(HttpServletRequest request, @PathVariable String name, @RequestBody PolicyBody body) {
        String repository = RetentionAccess.repositoryName(name);
        return put(request, Target.repository(repository), body, access.mayAdminister(request, repository));
    }

    @DeleteMapping("/repositories/{*name}")
    ResponseEntity<Void> deleteRepository(HttpServletRequest request, @PathVariable String name) {
        String repository = RetentionAccess.repositoryName(name);
        return delete(request, Target.repository(repository), access.mayAdminister(request, repository));
    }

    @GetMapping("/namespaces/{namespace}")
    PolicyView getNamespace(HttpServletRequest request, @PathVariable String namespace) {
        Target target = Target.namespace(RetentionAccess.namespaceName(namespace));
        access.mayAdministerNamespace(request, target.name());
        return store.find(target).map(RetentionApi::view)
                .orElseThrow(() -> ApiException.notFound("no retention policy on namespace " + target.name()));
    }

    @PutMapping(path = "/namespaces/{namespace}", consumes = MediaType.APPLICATION_JSON_VALUE)
    PolicyView putNamespace(HttpServletRequest request, @PathVariable String namespace, @RequestBody PolicyBody body) {
        Target target = Target.namespace(RetentionAccess.namespaceName(namespace));
        return put(request, target, body, access.mayAdministerNamespace(request, target.name()));
    }

    @DeleteMapping("/namespaces/{namespace}")
    ResponseEntity<Void> deleteNamespace(HttpServletRequest request, @PathVariable String namespace) {
        Target target = Target.namespace(RetentionAccess.namespaceName(namespace));
        return delete(request, target, access.mayAdministerNamespace(request, target.name()));
    }

    @PostMapping("/run/repositories/{*name}")
    RunView runRepository(HttpServletRequest request, @PathVariable String name,
                          @RequestParam(defaultValue = "false") boolean dryRun) {
        String repository = RetentionAccess.repositoryName(name);
        return run(request, Target.repository(repository), dryRun, access.mayAdminister(request, repository));
    }

    @PostMapping("/run/namespaces/{namespace}")
    RunView runNamespace(HttpServletRequest request, @PathVariable String namespace,
                         @RequestParam(defaultValue = "false") boolean dryRun) {
        Target target = Target.namespace(RetentionAccess.namespaceName(namespace));
        return run(request, target, dryRun, access.mayAdministerNamespace(request, target.name()));
    }

    private RunView run(HttpServletRequest request, Target target, boolean dryRun, Caller caller) {
        List<Retention.RepositoryRun> runs = retention.run(target, dryRun,
                        new Retention.Requester(caller.actor(), request.getRemoteAddr()))
                .orElseThrow(() -> ApiException.notFound("no retention policy applies to " + target));
        return new RunView(dryRun, runs);
    }

    private PolicyView put(HttpServletRequest request, Target target, PolicyBody body, Caller caller) {
        RetentionPolicy policy = checked(body);
        store.put(target, policy, caller.actor());
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("target", target.toString());
        detail.put("keep", policy.keep());
        detail.put("protect", policy.protect());
        detail.put("untaggedOlderThan", format(policy.untaggedOlderThan()));
        target.audit(audit, POLICY_CHANGED, caller.actor(), request.getRemoteAddr(), detail);
        return view(store.find(target).orElseThrow());
    }

    private ResponseEntity<Void> delete(HttpServletRequest request, Target target, Caller caller) {
        if (!store.delete(target)) {
            throw ApiException.notFound("no retention policy on " + target);
        }
        target.audit(audit, POLICY_DELETED, caller.actor(), request.getRemoteAddr(),
                Map.of("target", target.toString()));
        return ResponseEntity.noContent().build();
    }

    static RetentionPolicy checked(PolicyBody body) {
        if (body == null) {
            throw ApiException.badRequest("give {\"keep\":[{\"pattern\":\"v*\",\"last\":3}],\"protect\":[...],"
                    + "\"untaggedOlderThan\":\"7d\"}");
        }
        List<KeepRuleBody> keep = body.keep() == null ? List.of() : body.keep();
        if (keep.size() > MAX_KEEP_RULES) {
            throw ApiException.badRequest("keep: at most " + MAX_KEEP_RULES + " rules");
        }
        List<KeepRule> rules = keep.stream().map(rule -> {
            if (rule == null || rule.last() == null || rule.last() < 0) {
                throw ApiException.badRequest("keep: each rule is {\"pattern\": \"v*\", \"last\": N} with N >= 0");
            }
            return new KeepRule(TagPatterns.check(rule.pattern(), "keep"), rule.last());
        }).toList();
        Duration untagged = parse(body.untaggedOlderThan());
        if (rules.isEmpty() && untagged == null) {
            throw ApiException.badRequest("a policy needs keep rules, untaggedOlderThan, or both");
        }
        return new RetentionPolicy(rules, TagPatterns.check(body.protect(), "protect"), untagged);
    }

    /** {@code 30m}, {@code 12h}, {@code 7d}, or ISO-8601 ({@code PT12H}, {@code P7D}); null stays null. */
    static Duration parse(String text) {
        if (text == null) {
            return null;
        }
        Matcher simple = SIMPLE_DURATION.matcher(text);
        Duration duration;
        if (simple.matches()) {
            long n = Long.parseLong(simple.group(1));
            duration = switch (simple.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } else {
            try {
                duration = Duration.parse(text);
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest("untaggedOlderThan: \"" + text
                        + "\" is not a duration (30m, 12h, 7d, or ISO-8601 such as P7D)");
            }
        }
        if (duration.isNegative()) {
            throw ApiException.badRequest("untaggedOlderThan must not be negative");
        }
        return duration;
    }

    static String format(Duration duration) {
        if (duration == null) {
            return null;
        }
        long seconds = duration.toSeconds();
        if (seconds % 86_400 == 0) {
            return seconds / 86_400 + "d";
        }
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        return seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
    }

    private static PolicyView view(RetentionPolicy.Stored stored) {
        RetentionPolicy policy = stored.policy();
        return new PolicyView(stored.target().toString(),
                policy.keep().stream().map(rule -> new KeepRuleBody(rule.pattern(), rule.keepLast())).toList(),
                policy.protect(), format(policy.untaggedOlderThan()), stored.updatedBy(), stored.updatedAt(),
                stored.lastRunAt() == null ? null
                        : new LastRun(stored.lastRunAt(), stored.lastRunTags(), stored.lastRunManifests()));
    }
}
