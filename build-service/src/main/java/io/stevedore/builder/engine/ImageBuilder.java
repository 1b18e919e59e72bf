package io.stevedore.builder.engine;

import io.stevedore.builder.context.BuildContext;
import io.stevedore.builder.context.ContentHashCache;
import io.stevedore.builder.dockerfile.Dockerfile;
import io.stevedore.builder.layers.LayerOptions;
import io.stevedore.builder.sandbox.Sandbox;
import io.stevedore.client.ImageReference;
import io.stevedore.oci.Digest;
import io.stevedore.oci.Platform;
import io.stevedore.oci.RepositoryName;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The build engine's API: a {@link BuildRequest} in, images pushed, a {@link BuildResult} out.
 * The CLI calls it; a build worker can call it the same way. One instance may serve many builds
 * one after another; it keeps extracted layers and cache entries in its work directory.
 */
public final class ImageBuilder {
    private final Path workDir;
    private final Registries registries;
    private final String defaultRegistry;
    private final LayerStore layers;
    private final BaseImages baseImages;
    private final Sandbox sandbox;
    private boolean keepContextHashes;

    public ImageBuilder(Path workDir, Registries registries, String defaultRegistry) {
        this.workDir = workDir.toAbsolutePath();
        this.registries = registries;
        this.defaultRegistry = defaultRegistry;
        this.layers = new LayerStore(this.workDir);
        this.baseImages = new BaseImages(registries);
        this.sandbox = Sandbox.runc(this.workDir.resolve("runc"));
    }

    /**
     * Keeps context file hashes between builds in the work dir (see {@link ContentHashCache}): for a
     * caller's own directory built again and again, not for contexts unpacked afresh for each build.
     */
    public ImageBuilder keepingContextHashes() {
        this.keepContextHashes = true;
        return this;
    }

    public BuildResult build(BuildRequest request, Progress progress) {
        return build(request, progress, System::getenv);
    }

    /** @param environment the caller's environment, for `--secret id=X,env=VAR` */
    public BuildResult build(BuildRequest request, Progress progress, java.util.function.Function<String, String> environment) {
        Dockerfile dockerfile = parse(request.dockerfile());
        BuildContext context = BuildContext.open(request.context().toAbsolutePath().normalize());
        if (keepContextHashes) {
            context.withHashCache(ContentHashCache.load(context.hashCacheFile(workDir)));
        }
        ImageReference cacheRepository = request.cacheRepository() != null ? request.cacheRepository()
                : defaultCacheRepository(request.tags().getFirst());
        BuildCache cache = new BuildCache(workDir, cacheRepository, registries);
        LayerOptions layerOptions = request.sourceDateEpoch() == null ? LayerOptions.defaults()
                : new LayerOptions(request.sourceDateEpoch(), LayerOptions.defaults().compressionLevel());
        try (BuildSession session = new BuildSession(request, dockerfile, context, registries, baseImages, layers, cache,
                sandbox, progress, layerOptions, defaultRegistry, workDir, environment)) {
            Map<Platform, StageExecutor.StageResult> results = new LinkedHashMap<>();
            for (Platform platform : request.platforms()) {
                results.put(platform, new StageExecutor(session, platform).target());
            }
            context.saveHashes();
            warnAboutUnusedBuildArgs(session);
            session.awaitPublishing();
            return publish(request, results, progress);
        }
    }

    private BuildResult publish(BuildRequest request, Map<Platform, StageExecutor.StageResult> results, Progress progress) {
        ImagePublisher publisher = new ImagePublisher(registries, layers);
        Map<String, List<ImageReference>> byRepository = new LinkedHashMap<>();
        for (ImageReference tag : request.tags()) {
            byRepository.computeIfAbsent(tag.registry() + "/" + tag.repository(), k -> new ArrayList<>()).add(tag);
        }
        ImagePublisher.Pushed top = null;
        Map<Platform, Digest> manifests = new LinkedHashMap<>();
        for (List<ImageReference> tags : byRepository.values()) {
            ImageReference target = tags.getFirst();
            Progress.Step step = progress.step("pushing " + target.registry() + "/" + target.repository());
            List<ImagePublisher.Pushed> pushed = new ArrayList<>();
            for (Map.Entry<Platform, StageExecutor.StageResult> entry : results.entrySet()) {
                StageExecutor.StageResult result = entry.getValue();
                ImageConfig config = result.config().copy();
                request.labels().forEach(config::label);
                config.created(result.lastTime());
                ImagePublisher.Pushed manifest = publisher.pushImage(target, config, result.layers(), entry.getKey());
                manifests.put(entry.getKey(), manifest.descriptor().digest());
                pushed.add(manifest);
            }
            if (pushed.size() == 1) {
                top = pushed.getFirst();
            } else {
                for (ImagePublisher.Pushed manifest : pushed) {   // an index needs its manifests first
                    publisher.push(target, manifest, manifest.descriptor().digest().toString());
                }
                top = ImagePublisher.index(pushed);
            }
            for (ImageReference tag : tags) {
                publisher.push(tag, top, tag.tag() != null ? tag.tag() : top.descriptor().digest().toString());
                step.line("pushed " + tag.registry() + "/" + tag.repository() + ":" + tag.tag() + " " + top.descriptor().digest());
            }
            step.done();
        }
        return new BuildResult(top.descriptor().digest(), top.descriptor().mediaType(), manifests, request.tags());
    }

    private static Dockerfile parse(Path dockerfile) {
        String text;
        try {
            text = Files.readString(dockerfile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BuildException("cannot read Dockerfile " + dockerfile + ": " + e.getMessage(), e);
        }
        return Dockerfile.parse(text);
    }

    private static ImageReference defaultCacheRepository(ImageReference tag) {
        String name = tag.repository().value() + "/buildcache";
        return new ImageReference(tag.registry(), RepositoryName.of(name), "cache", null);
    }

    private static void warnAboutUnusedBuildArgs(BuildSession session) {
        TreeSet<String> unused = new TreeSet<>(session.request.buildArgs().keySet());
        unused.removeAll(session.usedBuildArgs);
        unused.removeIf(name -> List.of("HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY",
                "http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "all_proxy").contains(name));
        if (!unused.isEmpty()) {
            session.progress.info("warning: build arguments were not consumed: " + String.join(", ", unused));
        }
    }
}
