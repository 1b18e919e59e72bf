package io.stevedore.build.cli;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The lean start path of `java -jar build-service.jar`: most of a short build's wall time would be
 * the JVM loading and linking the same few thousand classes (java.net.http, TLS, Jackson) on every
 * run. On JDK 25+ this re-launches the build in a JVM that maps them from an ahead-of-time cache
 * (JEP 483/514) kept beside the jar, named after the jar's size and time so a rebuilt jar never
 * uses a stale one. The first run trains the cache (it is written when that run exits). The extra
 * launcher JVM costs a few tens of milliseconds; the cache saves several hundred.
 *
 * <p>Off when the user passed their own cache or archive options, on older JDKs, when not run
 * from a jar, or with {@code STEVEDORE_BUILD_AOT=off}.
 */
final class FastStart {
    static final String RELAUNCHED = "stevedore.build.relaunched";

    private FastStart() {}

    /** Runs the command in an AOT-cached child JVM and returns its exit status, or empty to run here. */
    static Optional<Integer> relaunch() {
        if (System.getProperty(RELAUNCHED) != null || "off".equals(System.getenv("STEVEDORE_BUILD_AOT"))
                || Runtime.version().feature() < 25) {
            return Optional.empty();
        }
        Optional<String[]> arguments = ProcessHandle.current().info().arguments();
        Optional<String> java = ProcessHandle.current().info().command();
        Path jar = jar();
        if (arguments.isEmpty() || java.isEmpty() || jar == null) {
            return Optional.empty();
        }
        for (String argument : arguments.get()) {
            if (argument.startsWith("-XX:AOTCache") || argument.startsWith("-XX:SharedArchiveFile")
                    || argument.startsWith("-XX:AOTMode") || argument.startsWith("-Xshare")) {
                return Optional.empty();
            }
        }
        Path cache = cacheFile(jar);
        if (cache == null) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>();
        command.add(java.get());
        Path lock = cache.resolveSibling(cache.getFileName() + ".training");
        if (Files.exists(cache)) {
            command.add("-XX:AOTCache=" + cache);
        } else if (claim(lock)) {
            command.add("-XX:AOTCacheOutput=" + cache);
        } else {
            return Optional.empty();   // another run is training the cache right now
        }
        command.add("-Xlog:aot=off");
        command.add("-Xlog:cds=off");
        command.add("-D" + RELAUNCHED + "=true");
        command.addAll(List.of(arguments.get()));
        try {
            Process child = new ProcessBuilder(command).inheritIO().start();
            Thread stop = new Thread(child::destroy);
            Runtime.getRuntime().addShutdownHook(stop);
            int status = child.waitFor();
            Runtime.getRuntime().removeShutdownHook(stop);
            return Optional.of(status);
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(130);
        } finally {
            if (command.get(1).startsWith("-XX:AOTCacheOutput")) {
                try {
                    Files.deleteIfExists(lock);
                } catch (IOException ignored) {
                    // a stale lock only means later runs skip training
                }
            }
        }
    }

    private static boolean claim(Path lock) {
        try {
            Files.createFile(lock);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path jar() {
        try {
            Path location = Path.of(FastStart.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return location.toString().endsWith(".jar") && Files.isRegularFile(location) ? location : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** Beside the jar when that directory is writable, else under the user's cache directory. */
    private static Path cacheFile(Path jar) {
        try {
            String name = "build-service-" + Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis()
                    + "-jdk" + Runtime.version().feature() + ".aot";
            Path dir = jar.toAbsolutePath().getParent();
            if (dir != null && Files.isWritable(dir)) {
                return dir.resolve(name);
            }
            Path home = Path.of(System.getProperty("user.home"), ".cache", "stevedore-build");
            Files.createDirectories(home);
            return home.resolve(name);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
