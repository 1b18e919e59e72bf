package io.stevedore.registry.builds.triggers;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.api.ApiNames;
import io.stevedore.registry.auth.access.Caller;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.builds.BuildAccess;
import io.stevedore.registry.builds.BuildRequests;
import io.stevedore.registry.secrets.SealingKey;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * {@code /api/v1/builds/triggers}: a repository's build triggers. Creating, changing and deleting
 * one takes the admin role on the repository: a trigger holds secrets and its builds push as its
 * creator whenever a signed webhook arrives. Reading them (never their secrets) and their
 * delivery log takes write access, as building into the repository does.
 */
@RestController
@RequestMapping(path = "/api/v1/builds/triggers", produces = MediaType.APPLICATION_JSON_VALUE)
class BuildTriggersApi {
    static final String TRIGGER_CREATED = "build.trigger-created";
    static final String TRIGGER_CHANGED = "build.trigger-changed";
    static final String TRIGGER_DELETED = "build.trigger-deleted";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_GIT_SECRET = 64 * 1024;
    private static final int MAX_DELIVERIES = 100;
    /** {@code scheme://user:password@}: credentials belong in git.secret, sealed, not in a URL shown to readers. */
    private static final Pattern PASSWORD_IN_URL = Pattern.compile("^[a-z+]+://[^/@]*:[^/@]*@.*");
    /** A commit id to check a new trigger's build request with. */
    private static final String SAMPLE_SHA = "0123456789abcdef0123456789abcdef01234567";
    private static final List<String> DEFAULT_TEMPLATES = List.of("{branch}", "{tag}");

    private final BuildAccess access;
    private final BuildTriggerStore triggers;
    private final SealingKey sealing;
    private final AuditLog audit;

    BuildTriggersApi(BuildAccess access, BuildTriggerStore triggers, SealingKey sealing, AuditLog audit) {
        this.access = access;
        this.triggers = triggers;
        this.sealing = sealing;
        this.audit = audit;
    }

    /** The git repository; {@code secret} is an HTTPS token or an SSH deploy key, as text. */
    record GitRepository(String url, String secret) {
    }

    /** The body of {@code POST /api/v1/builds/triggers}. */
    record NewTrigger(String repository, GitRepository git, List<String> branches, List<String> tags,
                      String dockerfile, String subdir, List<String> tagTemplates, Boolean latest,
                      Map<String, String> buildArgs, List<String> platforms) {
    }

    record Change(Boolean enabled) {
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> create(HttpServletRequest request, @RequestBody NewTrigger body) {
        if (body == null || body.repository() == null) {
            throw ApiException.badRequest("repository is required: the repository the builds push to");
        }
        String repository = repositoryName(body.repository());
        Caller caller = access.mayAdminister(request, repository);
        BuildTrigger trigger = checked(body, repository, caller.actor());
        String gitSecret = gitSecret(body.git());

        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String webhookSecret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        long id = triggers.insert(trigger, new BuildTriggerStore.SealedSecrets(
                sealing.seal(webhookSecret.getBytes(StandardCharsets.UTF_8)),
                gitSecret == null ? null : sealing.seal(gitSecret.getBytes(StandardCharsets.UTF_8))));
        BuildTrigger created = triggers.find(id).orElseThrow();

        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("trigger", id);
        detail.put("git", created.gitUrl());
        detail.put("branches", created.branches());
        detail.put("tags", created.tags());
        audit.recordRepository(TRIGGER_CREATED, caller.actor(), request.getRemoteAddr(), repository, detail);

        Map<String, Object> view = view(request, created);
        // shown this once: only its sealed form is kept
        view.put("secret", webhookSecret);
        return ResponseEntity.status(HttpStatus.CREATED).header("Location", "/api/v1/builds/triggers/" + id)
                .body(view);
    }

    @GetMapping
    List<Map<String, Object>> list(HttpServletRequest request, @RequestParam(required = false) String repository) {
        if (repository == null || repository.isBlank()) {
            throw ApiException.badRequest("repository is required: GET /api/v1/builds/triggers?repository=NAME");
        }
        String name = repositoryName(repository);
        access.mayPush(request, name);
        return triggers.list(name).stream().map(trigger -> view(request, trigger)).toList();
    }

    @GetMapping("/{id}")
    Map<String, Object> get(HttpServletRequest request, @PathVariable String id) {
        return view(request, visible(request, id));
    }

    @PatchMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> change(HttpServletRequest request, @PathVariable String id, @RequestBody Change body) {
        BuildTrigger trigger = visible(request, id);
        Caller caller = access.mayAdminister(request, trigger.repository());
        if (body == null || body.enabled() == null) {
            throw ApiException.badRequest("give {\"enabled\": true} or {\"enabled\": false}");
        }
        triggers.setEnabled(trigger.id(), body.enabled());
        audit.recordRepository(TRIGGER_CHANGED, caller.actor(), request.getRemoteAddr(), trigger.repository(),
                Map.of("trigger", trigger.id(), "enabled", body.enabled()));
        return view(request, triggers.find(trigger.id()).orElseThrow(() -> noTrigger(id)));
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(HttpServletRequest request, @PathVariable String id) {
        BuildTrigger trigger = visible(request, id);
        Caller caller = access.mayAdminister(request, trigger.repository());
        if (triggers.delete(trigger.id())) {
            audit.recordRepository(TRIGGER_DELETED, caller.actor(), request.getRemoteAddr(), trigger.repository(),
                    Map.of("trigger", trigger.id(), "git", trigger.gitUrl()));
        }
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/{id}/deliveries")
    List<Map<String, Object>> deliveries(HttpServletRequest request, @PathVariable String id,
                                         @RequestParam(required = false) Integer n) {
        BuildTrigger trigger = visible(request, id);
        int limit = n == null ? 20 : n;
        if (limit < 1 || limit > MAX_DELIVERIES) {
            throw ApiException.badRequest("n must be 1 to " + MAX_DELIVERIES);
        }
        return triggers.deliveries(trigger.id(), limit).stream().map(delivery -> {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("delivery", delivery.deliveryId());
            view.put("receivedAt", delivery.receivedAt());
            view.put("ref", delivery.ref());
            view.put("sha", delivery.sha());
            view.put("outcome", delivery.outcome());
            view.put("reason", delivery.reason());
            view.put("build", delivery.buildId());
            return view;
        }).toList();
    }

    /** The trigger, if the caller may build into its repository; 404 alike for no trigger and no access. */
    private BuildTrigger visible(HttpServletRequest request, String id) {
        long number;
        try {
            number = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw noTrigger(id);
        }
        BuildTrigger trigger = triggers.find(number).orElseThrow(() -> noTrigger(id));
        try {
            access.mayPush(request, trigger.repository());
        } catch (ApiException e) {
            if (e.status() == HttpStatus.FORBIDDEN) {
                throw noTrigger(id);
            }
            throw e;
        }
        return trigger;
    }

    /** The new trigger, every part checked; its build request is checked as a build submission would be. */
    private static BuildTrigger checked(NewTrigger body, String repository, String createdBy) {
        if (body.git() == null || body.git().url() == null || body.git().url().isBlank()) {
            throw ApiException.badRequest("git.url is required: the repository to clone");
        }
        if (PASSWORD_IN_URL.matcher(body.git().url()).matches()) {
            throw ApiException.badRequest("git.url must not hold a password; give the token as git.secret");
        }
        String gitSecret = gitSecret(body.git());
        if (gitSecret != null && gitSecret.length() > MAX_GIT_SECRET) {
            throw ApiException.badRequest("git.secret may hold at most " + MAX_GIT_SECRET + " characters");
        }
        List<String> branches = RefPatterns.check(body.branches(), "branches");
        List<String> tags = RefPatterns.check(body.tags(), "tags");
        if (branches.isEmpty() && tags.isEmpty()) {
            throw ApiException.badRequest("give the branches or tags (glob patterns) whose pushes build,"
                    + " e.g. \"branches\": [\"main\"], \"tags\": [\"v*\"]");
        }
        List<String> templates = body.tagTemplates() == null ? DEFAULT_TEMPLATES : TagTemplates.check(body.tagTemplates());
        boolean latest = Boolean.TRUE.equals(body.latest());
        if (templates.isEmpty() && !latest) {
            throw ApiException.badRequest("tagTemplates must give at least one template (e.g. \"{branch}\") unless"
                    + " \"latest\" is true");
        }
        BuildTrigger trigger = new BuildTrigger(0, repository, body.git().url(), branches, tags,
                body.dockerfile() == null || body.dockerfile().isBlank() ? "Dockerfile" : body.dockerfile(),
                body.subdir() == null || body.subdir().isBlank() ? null : body.subdir(), templates, latest,
                body.buildArgs(), body.platforms() == null ? List.of() : body.platforms(),
                gitSecret != null, createdBy, null, true);
        // the checks of POST /api/v1/builds, on the request a push would make
        BuildRequests.Checked sample = BuildRequests.check(TriggeredBuilds.submission(trigger, SAMPLE_SHA,
                List.of("sample"), gitSecret == null ? null : Base64.getEncoder().encodeToString(
                        gitSecret.getBytes(StandardCharsets.UTF_8))));
        return new BuildTrigger(0, repository, trigger.gitUrl(), branches, tags, sample.spec().dockerfile(),
                sample.spec().git().subdir(), templates, latest, sample.spec().buildArgs(), sample.spec().platforms(),
                trigger.privateRepository(), createdBy, null, true);
    }

    private Map<String, Object> view(HttpServletRequest request, BuildTrigger trigger) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", trigger.id());
        view.put("repository", trigger.repository());
        Map<String, Object> git = new LinkedHashMap<>();
        git.put("url", trigger.gitUrl());
        git.put("private", trigger.privateRepository());
        view.put("git", git);
        view.put("branches", trigger.branches());
        view.put("tags", trigger.tags());
        view.put("dockerfile", trigger.dockerfile());
        view.put("subdir", trigger.subdir());
        view.put("tagTemplates", trigger.tagTemplates());
        view.put("latest", trigger.latestOnDefaultBranch());
        view.put("buildArgs", trigger.buildArgs());
        view.put("platforms", trigger.platforms());
        view.put("enabled", trigger.enabled());
        view.put("createdBy", trigger.createdBy());
        view.put("createdAt", trigger.createdAt());
        Map<String, Object> webhooks = new LinkedHashMap<>();
        for (WebhookSource source : WebhookSource.values()) {
            webhooks.put(source.wireName(), ServletUriComponentsBuilder.fromContextPath(request)
                    .path("/api/v1/builds/triggers/{id}/webhook/{source}")
                    .buildAndExpand(trigger.id(), source.wireName()).toUriString());
        }
        view.put("webhooks", webhooks);
        return view;
    }

    private static String gitSecret(GitRepository git) {
        return git.secret() == null || git.secret().isEmpty() ? null : git.secret();
    }

    private static String repositoryName(String name) {
        return ApiNames.repository(name).value();
    }

    private static ApiException noTrigger(String id) {
        return ApiException.notFound("no build trigger " + id);
    }
}
