package io.stevedore.builder.worker;

import java.net.URI;
import java.nio.file.Path;

/**
 * What every job of one worker shares.
 *
 * @param registry        the registry's base URL (http or https)
 * @param workDir         layer store and cache, kept between builds; jobs get scratch dirs below it
 * @param defaultRegistry where short image names such as "busybox" come from
 * @param gitProtocols    GIT_ALLOW_PROTOCOL for git sources
 */
record WorkerSettings(URI registry, Path workDir, String defaultRegistry, String gitProtocols) {

    /** host:port as image references name the registry. */
    String registryHost() {
        return registry.getPort() < 0 ? registry.getHost() : registry.getHost() + ":" + registry.getPort();
    }

    boolean plainHttp() {
        return "http".equalsIgnoreCase(registry.getScheme());
    }
}
