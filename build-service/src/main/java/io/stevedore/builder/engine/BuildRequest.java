package io.stevedore.builder.engine;

import io.stevedore.client.ImageReference;
import io.stevedore.oci.Platform;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything one build needs, spelled like `docker build`'s options.
 *
 * @param context        the build context directory
 * @param dockerfile     the Dockerfile (may lie outside the context, as with `-f`)
 * @param tags           every name the result is pushed under; the first decides the default cache repository
 * @param buildArgs      `--build-arg`; a null value means "take it from the environment"
 * @param target         `--target` stage name or null for the last stage
 * @param platforms      one platform gives a manifest, several give an index
 * @param secrets        `--secret` id to its source
 * @param noCache        `--no-cache`: run every step (results still go to the cache)
 * @param labels         `--label`, added to the final image
 * @param cacheRepository where cache entries live; null = the first tag's repository + "/buildcache"
 * @param sourceDateEpoch fixed time for layer entries and history (SOURCE_DATE_EPOCH), or null
 * @param networkDefault  network for RUN steps without `--network` (true: host network)
 * @param stepTimeout     per RUN step
 * @param stepMemoryBytes per RUN step, 0 = unlimited
 */
public record BuildRequest(Path context, Path dockerfile, List<ImageReference> tags, Map<String, String> buildArgs,
                           String target, List<Platform> platforms, Map<String, SecretSource> secrets, boolean noCache,
                           Map<String, String> labels, ImageReference cacheRepository, Instant sourceDateEpoch,
                           boolean networkDefault, Duration stepTimeout, long stepMemoryBytes) {

    public BuildRequest {
        tags = List.copyOf(tags);
        buildArgs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(buildArgs));
        platforms = List.copyOf(platforms);
        secrets = Map.copyOf(secrets);
        labels = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(labels));
        if (tags.isEmpty()) {
            throw new IllegalArgumentException("at least one tag (-t REGISTRY/REPOSITORY:TAG) is required: the result is pushed there");
        }
        if (platforms.isEmpty()) {
            throw new IllegalArgumentException("at least one platform is required");
        }
        if (stepTimeout == null) {
            stepTimeout = Duration.ofHours(1);
        }
    }

    /** Where a `--secret` comes from: a file or an environment variable of the build client. */
    public record SecretSource(Path file, String environmentVariable) {
        public static SecretSource file(Path file) {
            return new SecretSource(file, null);
        }

        public static SecretSource env(String variable) {
            return new SecretSource(null, variable);
        }
    }
}
