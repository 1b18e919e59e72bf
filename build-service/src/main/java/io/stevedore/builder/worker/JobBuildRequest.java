package io.stevedore.builder.worker;

import io.stevedore.builder.engine.BuildRequest;
import io.stevedore.builder.host.HostPlatform;
import io.stevedore.client.ImageReference;
import io.stevedore.oci.Platform;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A leased job as the engine's {@link BuildRequest}: its names made full image references on this registry. */
final class JobBuildRequest {
    private static final Duration STEP_TIMEOUT = Duration.ofHours(1);

    private JobBuildRequest() {}

    /**
     * @param registryHost host:port of the registry the job came from
     * @param secretFiles  the job's secrets, already written to 0600 files
     */
    static BuildRequest of(Job job, String registryHost, Path context, Path dockerfile, Map<String, Path> secretFiles) {
        List<ImageReference> tags = new ArrayList<>();
        for (String tag : job.tags()) {
            tags.add(ImageReference.parse(registryHost + "/" + tag, registryHost));
        }
        ImageReference cache = job.cacheRepository() == null ? null
                : ImageReference.parse(registryHost + "/" + job.cacheRepository(), registryHost);
        List<Platform> platforms = job.platforms().isEmpty() ? List.of(HostPlatform.current())
                : Platform.parseList(String.join(",", job.platforms()));
        Map<String, BuildRequest.SecretSource> secrets = new LinkedHashMap<>();
        secretFiles.forEach((id, file) -> secrets.put(id, BuildRequest.SecretSource.file(file)));
        return new BuildRequest(context, dockerfile, tags, job.buildArgs(), job.target(), platforms, secrets,
                job.noCache(), job.labels(), cache, null, true, STEP_TIMEOUT, 0);
    }
}
