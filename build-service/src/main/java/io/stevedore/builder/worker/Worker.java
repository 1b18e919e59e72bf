package io.stevedore.builder.worker;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The worker loop: {@code builds} threads, each leasing one build at a time (long poll) and
 * running it. An unreachable registry is retried with backoff and logged once per outage, so a
 * registry restart never ends the worker; a refused worker token does.
 */
final class Worker {
    static final int WAIT_SECONDS = 20;
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);

    private final WorkerApi api;
    private final WorkerSettings settings;
    private final String name;
    private final int builds;
    private final Consumer<String> log;
    private final Set<JobRun> running = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;
    private volatile int status;

    Worker(WorkerApi api, WorkerSettings settings, String name, int builds, Consumer<String> log) {
        this.api = api;
        this.settings = settings;
        this.name = name;
        this.builds = builds;
        this.log = log;
    }

    /** Runs until the JVM is asked to stop (or the token is refused); the exit status. */
    int run() throws InterruptedException {
        log.accept("worker " + name + " asks " + settings.registry() + " for builds (" + builds + " at a time)");
        synchronized (threads) {
            for (int i = 0; i < builds; i++) {
                threads.add(Thread.ofPlatform().name("worker-" + i).start(this::leaseLoop));
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "worker-shutdown"));
        for (Thread thread : List.copyOf(threads)) {
            thread.join();
        }
        return status;
    }

    private void leaseLoop() {
        Duration backoff = FIRST_BACKOFF;
        boolean unreachable = false;
        while (!stopping) {
            try {
                Optional<Job> job = api.lease(name, WAIT_SECONDS);
                if (unreachable) {
                    log.accept("registry " + settings.registry() + " answers again");
                    unreachable = false;
                    backoff = FIRST_BACKOFF;
                }
                if (job.isPresent()) {
                    runJob(job.get());
                }
            } catch (WorkerApi.RefusedException e) {
                log.accept("error: " + e.getMessage());
                status = 1;
                stopping = true;
                return;
            } catch (IOException e) {
                if (!unreachable) {
                    log.accept("cannot reach " + settings.registry() + " (" + e + "); retrying");
                    unreachable = true;
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void runJob(Job job) {
        JobRun run = new JobRun(api, job, settings, log);
        running.add(run);
        try {
            run.run();
        } catch (IOException | RuntimeException | Error e) {
            log.accept(job.name() + ": worker failure " + e + "; the build is left to the lease timeout");
        } finally {
            running.remove(run);
        }
    }

    /** SIGTERM or Ctrl-C: running builds are killed (their RUN containers too) and left to another worker. */
    private void stop() {
        stopping = true;
        running.forEach(JobRun::stop);
        long deadline = System.nanoTime() + SHUTDOWN_GRACE.toNanos();
        for (Thread thread : List.copyOf(threads)) {
            thread.interrupt();
            try {
                thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
