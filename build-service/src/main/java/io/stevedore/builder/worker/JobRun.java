package io.stevedore.builder.worker;

import io.stevedore.builder.engine.BuildException;
import io.stevedore.builder.engine.BuildFailures;
import io.stevedore.builder.engine.BuildResult;
import io.stevedore.builder.engine.ImageBuilder;
import io.stevedore.builder.engine.Progress;
import io.stevedore.builder.engine.Registries;
import io.stevedore.builder.files.FileTrees;
import io.stevedore.builder.layers.Decompression;
import io.stevedore.builder.layers.TarExtraction;
import io.stevedore.client.DockerConfig;
import io.stevedore.client.RegistryCredentials;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One leased build, start to finish: context into a scratch dir, the engine's build with its
 * progress shipped as the build's log, heartbeats that may cancel it, the outcome reported, the
 * scratch dir removed. A cancel or a lost lease interrupts the build thread, which kills a running
 * RUN step's container (see Sandbox).
 */
final class JobRun implements Heartbeat.Listener {
    private static final Duration RETRY = Duration.ofMillis(250);
    private static final Duration MAX_RETRY = Duration.ofSeconds(10);

    private final WorkerApi api;
    private final Job job;
    private final WorkerSettings settings;
    private final Consumer<String> workerLog;
    private final Thread buildThread = Thread.currentThread();
    private boolean building;   // guarded by this: interrupts are meant for the build, nothing after it
    private volatile boolean cancelled;
    private volatile boolean leaseLost;
    private volatile boolean stopping;

    JobRun(WorkerApi api, Job job, WorkerSettings settings, Consumer<String> workerLog) {
        this.api = api;
        this.job = job;
        this.settings = settings;
        this.workerLog = workerLog;
    }

    /** Runs on the thread that created it, which is the one a cancel interrupts. */
    void run() throws IOException {
        workerLog.accept("leased " + job.name() + " " + job.tags());
        Path scratch = scratchDir();
        LogShipper shipper = new LogShipper(lines -> api.log(job, lines), RETRY, this::leaseLost);
        try (Heartbeat ignored = new Heartbeat(step -> api.heartbeat(job, step),
                Duration.ofSeconds(job.heartbeatSeconds()), shipper::step, this)) {
            Outcome outcome = buildIn(scratch, shipper);
            shipper.close();
            if (leaseLost || shipper.leaseLost()) {
                workerLog.accept(job.name() + ": lease lost, abandoned");
            } else if (stopping) {
                workerLog.accept(job.name() + ": worker stopping, left for another worker");
            } else {
                report(outcome);
                workerLog.accept("finished " + job.name() + ": " + outcome.status()
                        + (outcome.digest() != null ? " " + outcome.digest() : ""));
            }
        } catch (InterruptedException e) {
            workerLog.accept(job.name() + ": interrupted, left for another worker");
            Thread.currentThread().interrupt();
        } finally {
            FileTrees.deleteQuietly(scratch);
        }
    }

    @Override
    public void cancelRequested() {
        if (!cancelled) {
            cancelled = true;
            workerLog.accept(job.name() + ": cancel requested");
            interruptBuild();
        }
    }

    @Override
    public void leaseLost() {
        leaseLost = true;
        interruptBuild();
    }

    /** The worker is shutting down: end the build now and leave it to the lease timeout. */
    void stop() {
        stopping = true;
        interruptBuild();
    }

    private synchronized void interruptBuild() {
        if (building) {
            buildThread.interrupt();
        }
    }

    private synchronized void building(boolean value) {
        building = value;
        if (!value) {
            Thread.interrupted();   // an interrupt that came too late for the build must not hit what follows
        }
    }

    private Outcome buildIn(Path scratch, LogShipper shipper) {
        PrintStream log = shipper.printStream();
        Progress progress = new Progress(log, false);
        building(true);
        Outcome outcome;
        try {
            outcome = Outcome.succeeded(build(scratch, progress).digest().toString());
        } catch (RuntimeException e) {
            outcome = Outcome.failed(BuildFailures.message(e));
        } catch (IOException e) {
            outcome = Outcome.failed(e.getMessage() == null ? e.toString() : e.getMessage());
        } catch (InterruptedException e) {
            outcome = Outcome.failed("interrupted");
        } finally {
            building(false);
        }
        if (cancelled && outcome.digest() == null) {
            outcome = Outcome.cancelled();
            progress.info("cancelled");
        } else if (outcome.error() != null) {
            progress.info("error: " + outcome.error());
        }
        log.close();
        return outcome;
    }

    private BuildResult build(Path scratch, Progress progress) throws IOException, InterruptedException {
        Path context = context(scratch, progress);
        Path dockerfile = ContextPaths.inside(context, job.dockerfile(), "dockerfile");
        var request = JobBuildRequest.of(job, settings.registryHost(), context, dockerfile, writeSecrets(scratch));
        try (Registries registries = registries()) {
            return new ImageBuilder(settings.workDir(), registries, settings.defaultRegistry())
                    .build(request, progress, name -> null);   // nothing comes from the worker's environment
        }
    }

    private Path context(Path scratch, Progress progress) throws IOException, InterruptedException {
        if (job.git() != null) {
            byte[] secret = null;
            if (job.git().secret() != null) {
                secret = job.secret(job.git().secret());
                if (secret == null) {
                    throw new BuildException("git secret '" + job.git().secret() + "' is not among the build's secrets");
                }
            }
            return new GitCheckout(settings.gitProtocols(), progress::info).checkout(job.git(), secret, scratch);
        }
        Path context = scratch.resolve("context");
        try (InputStream archive = api.context(job)) {
            // gzip or plain tar, told apart by the magic bytes
            InputStream tar = Decompression.open(new BufferedInputStream(archive, 1 << 16));
            TarExtraction.extract(tar, context, TarExtraction.Mode.BUILD_CONTEXT,
                    TarExtraction.KEEP_OWNER, TarExtraction.KEEP_OWNER);
        }
        return context;
    }

    /** Each secret in its own 0600 file; ids are not used as file names (they are the submitter's text). */
    private Map<String, Path> writeSecrets(Path scratch) throws IOException {
        Map<String, Path> files = new LinkedHashMap<>();
        if (job.secrets().isEmpty()) {
            return files;
        }
        Path dir = Files.createDirectory(scratch.resolve("secrets"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        int index = 0;
        for (String id : job.secrets().keySet()) {
            Path file = Files.createFile(dir.resolve("secret-" + index++),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, job.secret(id));
            files.put(id, file);
        }
        return files;
    }

    private Registries registries() {
        Map<String, RegistryCredentials> credentials = job.credentials() == null ? Map.of()
                : Map.of(settings.registryHost(),
                RegistryCredentials.basic(job.credentials().username(), job.credentials().password()));
        // no docker config: a build may use only what its submitter could, never the worker's own logins
        return new Registries(DockerConfig.empty(), credentials,
                settings.plainHttp() ? Set.of(settings.registryHost()) : Set.of());
    }

    /** `POST .../finish`, retried while the registry is unreachable; a lost lease ends the retries. */
    private void report(Outcome outcome) throws InterruptedException {
        Duration delay = RETRY;
        while (true) {
            try {
                api.finish(job, outcome);
                return;
            } catch (IOException e) {
                workerLog.accept(job.name() + ": cannot report the outcome yet (" + e.getMessage() + "), retrying");
                Thread.sleep(delay);
                delay = delay.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : delay.multipliedBy(2);
            } catch (LeaseLostException e) {
                workerLog.accept(job.name() + ": lease lost before the outcome was reported");
                return;
            }
        }
    }

    private Path scratchDir() throws IOException {
        Path jobs = Files.createDirectories(settings.workDir().resolve("jobs"));
        return Files.createTempDirectory(jobs, "build-" + job.build() + "-" + job.attempt() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
}
