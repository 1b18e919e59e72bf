package io.stevedore.builder.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The jar this CLI runs from and a name that changes whenever the jar does (size + modification time). */
record JarIdentity(Path jar, String tag) {

    static JarIdentity current() {
        try {
            Path location = Path.of(JarIdentity.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!location.toString().endsWith(".jar") || !Files.isRegularFile(location)) {
                return null;
            }
            return new JarIdentity(location, Files.size(location) + "-" + Files.getLastModifiedTime(location).toMillis());
        } catch (IOException | RuntimeException | java.net.URISyntaxException e) {
            return null;
        }
    }
}
