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
            return location.toString().endsWith(".jar") ? of(location) : null;
        } catch (RuntimeException | java.net.URISyntaxException e) {
            return null;
        }
    }

    /** The identity of {@code jar}, or null when it is no regular file. The native client computes the same tag. */
    static JarIdentity of(Path jar) {
        try {
            if (!Files.isRegularFile(jar)) {
                return null;
            }
            // String.concat, not `+`: the first `+` of a JVM bootstraps StringConcatFactory (~10 ms of the client's start)
            String tag = Long.toString(Files.size(jar)).concat("-")
                    .concat(Long.toString(Files.getLastModifiedTime(jar).toMillis()));
            return new JarIdentity(jar, tag);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
