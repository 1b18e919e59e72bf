package io.stevedore.registry.builds;

import io.stevedore.oci.Digest;
import io.stevedore.oci.InvalidNameException;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.auth.access.Caller;
import io.stevedore.registry.config.RegistryProperties;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/builds}: upload a context, submit a build, follow its status and log, cancel it,
 * list a repository's builds. The contract is docs/remote-builds.md.
 */
@RestController
@RequestMapping(path = "/api/v1/builds", produces = MediaType.APPLICATION_JSON_VALUE)
class BuildsApi {
    static final String BUILD_SUBMITTED = "build.submitted";
    static final String BUILD_CANCELLED = "build.cancelled";
    private static final int MAX_PAGE = 100;

    private final BuildAccess access;
    private final BuildContexts contexts;
    private final BuildQueue queue;
    private final BuildStore builds;
    private final BuildLogStream logs;
    private final BuildEvents events;
    private final AuditLog audit;
    private final long maxContextSize;

    BuildsApi(BuildAccess access, BuildContexts contexts, BuildQueue queue, BuildStore builds, BuildLogStream logs,
              BuildEvents events, AuditLog audit, RegistryProperties properties) {
        this.events = events;
        this.access = access;
        this.contexts = contexts;
        this.queue = queue;
        this.builds = builds;
        this.logs = logs;
        this.audit = audit;
        this.maxContextSize = properties.builds().maxContextSize().toBytes();
    }

    @PostMapping(path = "/contexts", consumes = {"application/x-tar", "application/gzip", "application/x-gzip",
            "application/octet-stream"})
    ResponseEntity<Map<String, Object>> uploadContext(HttpServletRequest request) throws IOException {
        access.signedIn(request);
        if (request.getContentLengthLong() > maxContextSize) {
            throw new ApiException(HttpStatus.PAYLOAD_TOO_LARGE, "the build context (" + request.getContentLengthLong()
                    + " bytes) is larger than the " + maxContextSize + " bytes this registry accepts");
        }
        Digest digest = contexts.store(request.getInputStream(), maxContextSize);
        return ResponseEntity.status(HttpStatus.CREATED).body(Map.of("context", digest.toString()));
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> submit(HttpServletRequest request,
                                               @RequestBody BuildRequests.Submission submission) {
        BuildRequests.Checked checked = BuildRequests.check(submission);
        Caller caller = null;
        // write on every repository it tags; the cache repository is written only where the
        // submitter may (the lease credential is cut to the submitter's rights), else stays local
        for (String repository : new java.util.LinkedHashSet<>(checked.spec().tags().stream()
                .map(BuildRequests::repositoryOf).toList())) {
            caller = access.mayPush(request, repository);
        }
        if (checked.context() != null) {
            contexts.inspect(checked.context(), checked.spec().dockerfile(), checked.spec().target());
        }
        Build build = queue.submit(checked, caller.actor(), request.getRemoteAddr());
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("build", build.id());
        detail.put("tags", build.spec().tags());
        detail.put("source", source(build.spec()));
        audit.recordRepository(BUILD_SUBMITTED, caller.actor(), request.getRemoteAddr(), build.repository(), detail);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", build.id());
        body.put("status", build.status().wireName());
        body.put("url", "/api/v1/builds/" + build.id());
        body.put("logs", "/api/v1/builds/" + build.id() + "/logs");
        return ResponseEntity.status(HttpStatus.ACCEPTED).header("Location", "/api/v1/builds/" + build.id()).body(body);
    }

    @GetMapping("/{id}")
    Map<String, Object> status(HttpServletRequest request, @PathVariable String id) {
        return queue.view(visible(request, id));
    }

    /** The log: Server-Sent Events that follow it to the end, or the text so far. */
    @GetMapping(path = "/{id}/logs", produces = MediaType.ALL_VALUE)
    void log(HttpServletRequest request, HttpServletResponse response, @PathVariable String id,
             @RequestParam(required = false) Integer after) throws IOException {
        Build build = visible(request, id);
        String accept = request.getHeader("Accept");
        int from = after != null ? after : lastEventId(request.getHeader("Last-Event-ID"));
        if (accept != null && accept.contains(MediaType.TEXT_EVENT_STREAM_VALUE)) {
            try {
                logs.follow(build.id(), from, response);
            } catch (IOException e) {
                // the client went away (it resumes with Last-Event-ID if it wants more)
            }
        } else {
            logs.text(build.id(), from, response);
        }
    }

    @PostMapping("/{id}/cancel")
    Map<String, Object> cancel(HttpServletRequest request, @PathVariable String id) {
        Build build = visible(request, id);
        Caller caller = access.mayPush(request, build.repository());
        Build cancelled = builds.cancel(build.id()).orElseThrow();
        events.changed();
        audit.recordRepository(BUILD_CANCELLED, caller.actor(), request.getRemoteAddr(), build.repository(),
                Map.of("build", build.id()));
        return queue.view(cancelled);
    }

    @GetMapping
    ResponseEntity<List<Map<String, Object>>> history(HttpServletRequest request,
                                                      @RequestParam(required = false) String repository,
                                                      @RequestParam(required = false) Integer n,
                                                      @RequestParam(required = false) Long last) {
        if (repository == null || repository.isBlank()) {
            throw ApiException.badRequest("repository is required: GET /api/v1/builds?repository=NAME");
        }
        try {
            RepositoryName.of(repository);
        } catch (InvalidNameException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        access.mayPull(request, repository);
        int limit = n == null ? 20 : n;
        if (limit < 1 || limit > MAX_PAGE) {
            throw ApiException.badRequest("n must be 1 to " + MAX_PAGE);
        }
        List<Build> page = builds.history(repository, last, limit + 1);
        ResponseEntity.BodyBuilder answer = ResponseEntity.ok();
        if (page.size() > limit) {
            page = page.subList(0, limit);
            answer.header("Link", "</api/v1/builds?repository=" + java.net.URLEncoder.encode(repository,
                    StandardCharsets.UTF_8) + "&n=" + limit + "&last=" + page.getLast().id() + ">; rel=\"next\"");
        }
        return answer.body(page.stream().map(queue::view).toList());
    }

    /** The build, if the caller may pull its repository; 404 alike for no build and no access. */
    private Build visible(HttpServletRequest request, String id) {
        long number;
        try {
            number = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no build " + id);
        }
        Build build = builds.find(number).orElseThrow(() -> ApiException.notFound("no build " + id));
        try {
            access.mayPull(request, build.repository());
        } catch (ApiException e) {
            if (e.status() == HttpStatus.FORBIDDEN) {
                throw ApiException.notFound("no build " + id);
            }
            throw e;
        }
        return build;
    }

    private static int lastEventId(String header) {
        if (header == null || header.isBlank()) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(header.trim()));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("Last-Event-ID must be a line number");
        }
    }

    static Map<String, Object> source(BuildSpec spec) {
        if (spec.git() != null) {
            Map<String, Object> git = new LinkedHashMap<>();
            git.put("url", withoutUserInfo(spec.git().url()));
            git.put("ref", spec.git().ref());
            git.put("subdir", spec.git().subdir());
            return Map.of("git", git);
        }
        return Map.of("context", spec.context());
    }

    /** A URL as shown: {@code https://user:token@host/...} loses its user part. */
    static String withoutUserInfo(String url) {
        return url.replaceFirst("^([a-z+]+://)[^/@]*@", "$1");
    }
}
