package io.stevedore.registry.builds;

import io.stevedore.oci.Digest;
import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.accounts.BuildAccount;
import io.stevedore.registry.config.RegistryProperties;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
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
 * {@code /api/v1/worker/jobs}: what build workers call, with the worker token. A worker leases a
 * job, reads its context, ships log lines, reports its step (learning of a cancel) and finishes
 * it; every call after the lease names the attempt it holds and gets 409 once that lease is
 * gone. The contract is docs/remote-builds.md.
 */
@RestController
@RequestMapping(path = "/api/v1/worker/jobs", produces = MediaType.APPLICATION_JSON_VALUE)
class WorkerApi {
    private static final Duration MAX_WAIT = Duration.ofSeconds(30);
    private static final Pattern WORKER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}");
    private static final int MAX_LINE = 16 * 1024;

    private final BuildKeys keys;
    private final BuildQueue queue;
    private final BuildStore builds;
    private final BuildContexts contexts;
    private final BuildEvents events;
    private final Duration leaseTimeout;
    private final Duration heartbeat;
    private final boolean authEnabled;

    WorkerApi(BuildKeys keys, BuildQueue queue, BuildStore builds, BuildContexts contexts, BuildEvents events,
              RegistryProperties properties) {
        this.events = events;
        this.keys = keys;
        this.queue = queue;
        this.builds = builds;
        this.contexts = contexts;
        this.leaseTimeout = properties.builds().leaseTimeout();
        this.heartbeat = properties.builds().heartbeat();
        this.authEnabled = properties.auth().enabled();
    }

    record LeaseRequest(String worker, Integer waitSeconds) {
    }

    record Heartbeat(String step) {
    }

    record Finish(String status, String digest, String error) {
    }

    @PostMapping
    ResponseEntity<Map<String, Object>> lease(HttpServletRequest request, @RequestBody LeaseRequest body)
            throws InterruptedException {
        worker(request);
        if (body == null || body.worker() == null || !WORKER_NAME.matcher(body.worker()).matches()) {
            throw ApiException.badRequest("worker must name the worker: letters, digits, '.', '_', ':', '@', '-'");
        }
        Duration wait = Duration.ofSeconds(Math.max(0, body.waitSeconds() == null ? 0 : body.waitSeconds()));
        Optional<BuildQueue.Leased> leased = queue.lease(body.worker(), wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait);
        return leased.map(l -> ResponseEntity.ok(job(l))).orElseGet(() -> ResponseEntity.noContent().build());
    }

    @GetMapping(path = "/{build}/context", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    void context(HttpServletRequest request, HttpServletResponse response, @PathVariable long build,
                 @RequestParam int attempt) throws IOException {
        worker(request);
        BuildStore.Running running = builds.running(build).filter(r -> r.attempt() == attempt)
                .orElseThrow(() -> leaseLost(build));
        if (running.spec().context() == null) {
            throw ApiException.notFound("build " + build + " builds from git, not from an uploaded context");
        }
        response.setContentType(MediaType.APPLICATION_OCTET_STREAM_VALUE);
        try (InputStream in = contexts.open(Digest.parse(running.spec().context()))) {
            in.transferTo(response.getOutputStream());
        }
    }

    @PostMapping("/{build}/heartbeat")
    Map<String, Object> heartbeat(HttpServletRequest request, @PathVariable long build, @RequestParam int attempt,
                                  @RequestBody(required = false) Heartbeat body) {
        worker(request);
        String step = body == null || body.step() == null ? null : clip(body.step(), 500);
        boolean cancel = builds.heartbeat(build, attempt, step, leaseTimeout).orElseThrow(() -> leaseLost(build));
        return Map.of("cancel", cancel);
    }

    @PostMapping(path = "/{build}/log", consumes = MediaType.ALL_VALUE)
    ResponseEntity<Void> log(HttpServletRequest request, @PathVariable long build, @RequestParam int attempt)
            throws IOException {
        worker(request);
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(request.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                // PostgreSQL text holds no NUL; a line is kept to a sane length
                lines.add(clip(line.replace('\0', '\uFFFD'), MAX_LINE));
            }
        }
        if (!builds.appendLog(build, attempt, lines)) {
            throw leaseLost(build);
        }
        events.changed();
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{build}/finish")
    ResponseEntity<Void> finish(HttpServletRequest request, @PathVariable long build, @RequestParam int attempt,
                                @RequestBody Finish body) {
        worker(request);
        BuildStatus status = body == null ? null : BuildStatus.parse(body.status()).filter(BuildStatus::ended)
                .orElse(null);
        if (status == null) {
            throw ApiException.badRequest("status must be succeeded, failed or cancelled");
        }
        String digest = null;
        if (status == BuildStatus.SUCCEEDED) {
            try {
                digest = Digest.parse(body.digest()).toString();
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("a succeeded build reports its digest: " + e.getMessage());
            }
        }
        Build before = builds.find(build).orElseThrow(() -> leaseLost(build));
        String error = status == BuildStatus.FAILED ? clip(body.error() == null ? "failed" : body.error(), 4000) : null;
        if (!builds.finish(build, attempt, status, digest, error)) {
            throw leaseLost(build);
        }
        queue.finished(before, status);
        events.changed();
        return ResponseEntity.noContent().build();
    }

    private Map<String, Object> job(BuildQueue.Leased leased) {
        Build build = leased.build();
        BuildSpec spec = build.spec();
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("build", build.id());
        job.put("attempt", build.attempt());
        job.put("heartbeatSeconds", Math.max(1, heartbeat.toSeconds()));
        job.put("tags", spec.tags());
        job.put("cacheRepository", spec.cacheRepository());
        if (spec.context() != null) {
            job.put("context", "/api/v1/worker/jobs/" + build.id() + "/context?attempt=" + build.attempt());
        } else {
            job.put("git", spec.git());
        }
        job.put("dockerfile", spec.dockerfile());
        job.put("buildArgs", spec.buildArgs());
        job.put("target", spec.target());
        job.put("platforms", spec.platforms());
        job.put("noCache", spec.noCache());
        job.put("labels", spec.labels());
        job.put("secrets", leased.secrets());
        if (authEnabled && build.submittedBy() != null) {
            job.put("credentials", Map.of("username", BuildAccount.nameOf(build.id()),
                    "password", leased.credentialSecret()));
        }
        return job;
    }

    private void worker(HttpServletRequest request) {
        String authorization = request.getHeader("Authorization");
        String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : null;
        if (!keys.isWorkerToken(token)) {
            throw new ApiException(HttpStatus.UNAUTHORIZED, "build workers present the worker token "
                    + "(Authorization: Bearer; registry.builds.worker-token)",
                    Map.of("WWW-Authenticate", "Bearer realm=\"stevedore-workers\""));
        }
    }

    private static ApiException leaseLost(long build) {
        return ApiException.conflict("this worker no longer holds build " + build
                + " (its lease expired and another worker has it, or it ended)");
    }

    private static String clip(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max);
    }
}
