package io.stevedore.builder.engine;

import io.stevedore.oci.Digest;
import io.stevedore.oci.Platform;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The state of one stage while its instructions run: image config, layers, the cache key of the
 * filesystem so far, the stage's ARG values, and the time the last step happened (history times
 * come from it, so a fully cached rebuild reproduces the same image digest).
 */
final class StageState {
    final Platform platform;
    final ImageConfig config;
    final List<LayerRef> layers;
    final Map<String, String> args = new LinkedHashMap<>();
    Digest cacheKey;
    Instant lastTime;
    char escape;

    StageState(Platform platform, ImageConfig config, List<LayerRef> layers, Digest cacheKey, Instant lastTime, char escape) {
        this.platform = platform;
        this.config = config;
        this.layers = new ArrayList<>(layers);
        this.cacheKey = cacheKey;
        this.lastTime = lastTime;
        this.escape = escape;
    }

    /** Variable lookup for expansion: ENV wins over ARG of the same name, as in Docker. */
    Function<String, String> lookup() {
        Map<String, String> env = config.envMap();
        return name -> env.containsKey(name) ? env.get(name) : args.get(name);
    }

    /** The environment of a RUN step: the image's Env plus the stage's ARGs that ENV does not shadow. */
    List<String> runEnvironment() {
        Map<String, String> env = new LinkedHashMap<>(config.envMap());
        args.forEach(env::putIfAbsent);
        env.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        List<String> list = new ArrayList<>();
        env.forEach((k, v) -> list.add(k + "=" + v));
        return list;
    }
}
