package io.stevedore.registry.builds;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.stevedore.json.Json;
import io.stevedore.registry.config.RegistryProperties;
import io.stevedore.registry.secrets.SealingKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Submitting builds and handing them to workers. Workers long-poll: a build submitted on this
 * replica wakes them at once; one submitted on another is found by the next poll of the table.
 */
@Component
public class BuildQueue {
    private static final Duration POLL = Duration.ofMillis(250);

    private final BuildStore builds;
    private final SealingKey sealing;
    private final Duration leaseTimeout;
    private final Duration workerSeenWithin;
    private final MeterRegistry meters;
    private final Timer waitTime;
    private final Object submitted = new Object();
    private volatile boolean stopping;

    BuildQueue(BuildStore builds, SealingKey sealing, RegistryProperties properties, MeterRegistry meters) {
        this.builds = builds;
        this.sealing = sealing;
        this.leaseTimeout = properties.builds().leaseTimeout();
        // a worker polls at least every long-poll wait (20 s) and reports every heartbeat
        this.workerSeenWithin = Duration.ofSeconds(30).plus(leaseTimeout);
        this.meters = meters;
        this.waitTime = Timer.builder("stevedore.builds.wait").description("from submission to a worker starting it")
                .register(meters);
        Gauge.builder("stevedore.builds.queued", builds, BuildStore::queued).description("builds waiting for a worker")
                .register(meters);
        Gauge.builder("stevedore.builds.workers", this, q -> q.activeWorkers()).description("workers seen lately")
                .register(meters);
    }

    public Build submit(BuildRequests.Checked checked, String submittedBy, String clientAddress) {
        byte[] sealed = checked.secrets().isEmpty() ? null
                : sealing.seal(Json.MAPPER.writeValueAsString(checked.secrets()).getBytes(StandardCharsets.UTF_8));
        long id = builds.insert(BuildRequests.repositoryOf(checked.spec().tags().getFirst()), checked.spec(), sealed,
                submittedBy, clientAddress);
        synchronized (submitted) {
            submitted.notifyAll();
        }
        return builds.find(id).orElseThrow();
    }

    /** A lease, waiting up to {@code wait} for a build to come; none once the registry stops. */
    Optional<Leased> lease(String worker, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        builds.workerSeen(worker);
        while (!stopping) {
            BuildCredentials.Issued credential = BuildCredentials.issue();
            Optional<BuildStore.Lease> lease = builds.lease(worker, leaseTimeout, credential.hash());
            if (lease.isPresent()) {
                Build build = lease.get().build();
                if (build.attempt() == 1 && build.startedAt() != null) {
                    waitTime.record(Duration.between(build.createdAt(), build.startedAt()));
                }
                return Optional.of(new Leased(build, secrets(lease.get().sealedSecrets()), credential.secret()));
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            synchronized (submitted) {
                if (!stopping) {
                    submitted.wait(Math.max(1, Math.min(POLL.toMillis(), left / 1_000_000)));
                }
            }
        }
        return Optional.empty(); // the registry is stopping: the worker asks again, elsewhere or later
    }

    /** Ends the leases waiting now, and any asked later: the registry is stopping (LongWaitsAtShutdown). */
    void stopWaiting() {
        stopping = true;
        synchronized (submitted) {
            submitted.notifyAll();
        }
    }

    void resumeWaiting() {
        stopping = false;
    }

    /** A build just leased: its secrets opened, and the push credential's secret. */
    record Leased(Build build, Map<String, String> secrets, String credentialSecret) {
    }

    void finished(Build build, BuildStatus status) {
        if (build.startedAt() != null) {
            Timer.builder("stevedore.builds.duration").description("from start to end of a build")
                    .tag("result", status.wireName()).register(meters)
                    .record(Duration.between(build.startedAt(), Instant.now()));
        }
    }

    int activeWorkers() {
        return builds.activeWorkers(workerSeenWithin);
    }

    /** The build as the API shows it; a queued one says whether any worker is there to take it. */
    Map<String, Object> view(Build build) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", build.id());
        view.put("repository", build.repository());
        view.put("tags", build.spec().tags());
        view.put("status", build.status().wireName());
        view.put("step", build.step());
        view.put("attempt", build.attempt());
        view.put("submittedBy", build.submittedBy());
        view.put("createdAt", build.createdAt());
        view.put("startedAt", build.startedAt());
        view.put("finishedAt", build.finishedAt());
        view.put("digest", build.digest());
        view.put("error", build.error());
        view.put("worker", build.worker());
        view.put("source", BuildsApi.source(build.spec()));
        view.put("dockerfile", build.spec().dockerfile());
        view.put("target", build.spec().target());
        view.put("platforms", build.spec().platforms());
        view.put("logLines", build.logLines());
        if (build.status() == BuildStatus.QUEUED) {
            view.put("message", activeWorkers() == 0
                    ? "waiting for a build worker; none has asked for work in the last " + workerSeenWithin.toSeconds()
                      + " s (start one: java -jar build-service.jar worker --registry URL)"
                    : "waiting for a build worker");
        } else if (build.status() == BuildStatus.RUNNING && build.cancelRequested()) {
            view.put("message", "cancelling");
        }
        return view;
    }

    private Map<String, String> secrets(byte[] sealed) {
        if (sealed == null) {
            return Map.of();
        }
        @SuppressWarnings("unchecked")
        Map<String, String> secrets = Json.MAPPER.readValue(new String(sealing.open(sealed), StandardCharsets.UTF_8),
                Map.class);
        return secrets;
    }
}
