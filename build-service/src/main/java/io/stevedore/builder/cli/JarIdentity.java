package io.stevedore.builder.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The jar this CLI runs from and a name that changes whenever the jar does (size + modification time). */
record JarIdentity(Path jar, String tag) {

    static JarIdentity current() {
        try {
            // `java -jar X.jar` sets the class path to the jar: no URL or URI classes to load on the client's path
            String classPath = System.getProperty("java.class.path", "");
            Path location = classPath.endsWith(".jar") && !classPath.contains(java.io.File.pathSeparator)
                    ? Path.of(classPath).toAbsolutePath()
                    : Path.of(JarIdentity.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!location.toString().endsWith(".jar") || !Files.isRegularFile(location)) {
                return null;
            }
            // String.concat, not `+`: the first `+` of a JVM bootstraps StringConcatFactory (~10 ms of the client's start)
            String tag = Long.toString(Files.size(location)).concat("-")
                    .concat(Long.toString(Files.getLastModifiedTime(location).toMillis()));
            return new JarIdentity(location, tag);
        } catch (IOException | RuntimeException | java.net.URISyntaxException e) {
            return null;
        }
    }
}
