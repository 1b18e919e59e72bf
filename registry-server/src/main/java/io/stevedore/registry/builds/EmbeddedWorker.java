package io.stevedore.registry.builds;

import io.stevedore.registry.config.RegistryProperties;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The single-node default's build worker: a child process ({@code java -jar build-service.jar
 * worker}) started beside the registry once it listens, restarted if it dies, stopped with it.
 * The registry itself never runs a build step; the child needs root and runc, so with
 * {@code embedded-worker=auto} it starts only where those are, and otherwise the log says why
 * and how to start a worker elsewhere.
 */
@Component
class EmbeddedWorker implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedWorker.class);

    private final RegistryProperties properties;
    private final BuildKeys keys;
    private volatile Process process;
    private volatile boolean running;
    private Thread supervisor;

    EmbeddedWorker(RegistryProperties properties, BuildKeys keys) {
        this.properties = properties;
        this.keys = keys;
    }

    @EventListener
    void serverStarted(WebServerInitializedEvent event) {
        if ("management".equals(event.getApplicationContext().getServerNamespace())) {
            return;
        }
        String mode = properties.builds().embeddedWorker();
        if (mode.equals("false")) {
            log.info("No embedded build worker (registry.builds.embedded-worker=false); builds wait for workers "
                    + "started with: java -jar build-service.jar worker --registry URL");
            return;
        }
        Optional<String> missing = missing();
        if (missing.isPresent() && mode.equals("auto")) {
            log.warn("No build worker started beside the registry: {}. Submitted builds wait in the queue until a "
                    + "worker connects: java -jar build-service.jar worker --registry http://HOST:{} "
                    + "(worker token in {})", missing.get(), event.getWebServer().getPort(),
                    properties.builds().workerToken() != null ? "registry.builds.worker-token"
                            : properties.dataDir().resolve("builds/worker-token"));
            return;
        }
        start(event.getWebServer().getPort());
    }

    /** What keeps a worker from running here, if anything. */
    private Optional<String> missing() {
        List<String> missing = new ArrayList<>();
        if (workerJar().isEmpty()) {
            missing.add("build-service.jar not found (set registry.builds.worker-jar)");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            missing.add("not running as root (build steps run in runc over overlayfs)");
        }
        if (!onPath("runc")) {
            missing.add("runc is not installed");
        }
        return missing.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", missing));
    }

    private Optional<Path> workerJar() {
        if (properties.builds().workerJar() != null) {
            return Optional.of(properties.builds().workerJar()).filter(Files::isRegularFile);
        }
        List<Path> candidates = new ArrayList<>();
        String command = System.getProperty("java.class.path", "");
        if (command.endsWith(".jar") && !command.contains(File.pathSeparator)) {
            Path dir = Path.of(command).toAbsolutePath().getParent();
            candidates.add(dir.resolve("build-service.jar"));
            candidates.add(dir.resolve("../../build-service/target/build-service.jar"));
        }
        candidates.add(Path.of("build-service/target/build-service.jar"));
        return candidates.stream().filter(Files::isRegularFile).map(p -> p.toAbsolutePath().normalize()).findFirst();
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private synchronized void start(int port) {
        Optional<Path> jar = workerJar();
        if (jar.isEmpty()) {
            log.warn("No build worker started: build-service.jar not found (set registry.builds.worker-jar)");
            return;
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(java, "-jar", jar.get().toString(), "worker",
                "--registry", "http://127.0.0.1:" + port, "--name", "embedded",
                "--work-dir", properties.dataDir().resolve("build-worker").toAbsolutePath().toString());
        running = true;
        supervisor = Thread.ofPlatform().daemon().name("embedded-build-worker").start(() -> supervise(command));
        log.info("Started an embedded build worker: {}", String.join(" ", command));
    }

    /** Runs the worker, and runs it again (after a pause) if it exits while the registry runs. */
    private void supervise(List<String> command) {
        while (running) {
            try {
                ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
                builder.environment().put("STEVEDORE_WORKER_TOKEN", keys.workerToken());
                // so that it exits with us even when we are SIGKILLed and cannot stop it
                builder.environment().put("STEVEDORE_WORKER_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
                process = builder.start();
                int status = process.waitFor();
                if (running) {
                    log.warn("The embedded build worker exited with status {}; starting it again in 5 s", status);
                    Thread.sleep(5000);
                }
            } catch (IOException e) {
                log.warn("Cannot start the embedded build worker: {}", e.getMessage());
                return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void start() {
        // started once the web server listens (serverStarted), since the worker talks to it
    }

    @Override
    public synchronized void stop() {
        running = false;
        Process worker = process;
        if (worker != null) {
            worker.destroy();
            try {
                if (!worker.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    worker.destroyForcibly();
                }
            } catch (InterruptedException e) {
                worker.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (supervisor != null) {
            supervisor.interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
