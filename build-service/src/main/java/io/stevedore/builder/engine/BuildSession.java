package io.stevedore.builder.engine;

import io.stevedore.builder.context.BuildContext;
import io.stevedore.builder.dockerfile.Dockerfile;
import io.stevedore.builder.layers.LayerOptions;
import io.stevedore.builder.sandbox.Sandbox;
import io.stevedore.oci.Digest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** What every stage of one build shares: the request, the parsed Dockerfile, stores, clients and the cache. */
final class BuildSession implements AutoCloseable {
    final BuildRequest request;
    final Dockerfile dockerfile;
    final BuildContext context;
    final Registries registries;
    final BaseImages baseImages;
    final LayerStore layers;
    final BuildCache cache;
    final Sandbox sandbox;
    final Progress progress;
    final LayerOptions layerOptions;
    final String defaultRegistry;
    final Path workDir;
    final Secrets secrets;
    final Set<String> usedBuildArgs = new HashSet<>();
    private final ExecutorService publisher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cache-publisher");
        t.setDaemon(true);
        return t;
    });
    private final List<Future<?>> publishing = new ArrayList<>();

    BuildSession(BuildRequest request, Dockerfile dockerfile, BuildContext context, Registries registries,
                 BaseImages baseImages, LayerStore layers, BuildCache cache, Sandbox sandbox, Progress progress,
                 LayerOptions layerOptions, String defaultRegistry, Path workDir,
                 java.util.function.Function<String, String> environment) {
        this.request = request;
        this.dockerfile = dockerfile;
        this.context = context;
        this.registries = registries;
        this.baseImages = baseImages;
        this.layers = layers;
        this.cache = cache;
        this.sandbox = sandbox;
        this.progress = progress;
        this.layerOptions = layerOptions;
        this.defaultRegistry = defaultRegistry;
        this.workDir = workDir;
        this.secrets = new Secrets(request.secrets(), layers, environment);
    }

    /** Records a step result locally now and publishes it to the registry cache in the background. */
    void remember(Digest key, BuildCache.Entry entry) {
        cache.writeLocal(key, entry);
        synchronized (publishing) {
            publishing.add(publisher.submit(() -> {
                try {
                    cache.publish(key, entry, layers);
                } catch (RuntimeException e) {
                    progress.info("warning: could not store cache entry in " + cache.repository() + ": " + e.getMessage());
                }
            }));
        }
    }

    /** Waits for background cache publishing (its failures are warnings, not build failures). */
    void awaitPublishing() {
        List<Future<?>> pending;
        synchronized (publishing) {
            pending = new ArrayList<>(publishing);
            publishing.clear();
        }
        for (Future<?> future : pending) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BuildException("interrupted");
            } catch (java.util.concurrent.ExecutionException e) {
                progress.info("warning: cache publishing failed: " + e.getCause());
            }
        }
    }

    @Override
    public void close() {
        publisher.shutdownNow();
        secrets.close();
    }
}
