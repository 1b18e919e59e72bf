package io.stevedore.builder.cli;

import java.nio.file.Path;
import java.util.Map;

/** Files of the user who runs the command (who may be a daemon's client): their home and docker config. */
final class CallerFiles {
    private CallerFiles() {}

    static Path home(Map<String, String> environment) {
        String home = environment.get("HOME");
        return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
    }

    /** config.json as `docker login` wrote it for this caller: $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
    static Path dockerConfig(Map<String, String> environment, Path workingDirectory) {
        String dir = environment.get("DOCKER_CONFIG");
        if (dir != null && !dir.isBlank()) {
            return workingDirectory.resolve(dir).resolve("config.json");
        }
        return home(environment).resolve(".docker").resolve("config.json");
    }
}
