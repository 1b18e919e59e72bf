package io.stevedore.builder.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The lean start path of `java -jar build-service.jar build` when no daemon serves it: most of a
 * short build's wall time would be the JVM loading and linking the same few thousand classes
 * (java.net.http, TLS, Jackson) on every run. On JDK 25+ this re-launches the build in a JVM that
 * maps them from an ahead-of-time cache (JEP 483) kept beside the jar and named after the jar's
 * size and time, so a rebuilt jar never meets a stale cache. When the cache is missing, the run
 * records which classes it uses and, after it exits, a detached JVM assembles the cache, so no run
 * waits for it and nothing is printed on the build's stdout.
 *
 * <p>Off when the user passed their own cache or archive options, on older JDKs, when not started
 * with `-jar`, or with {@code STEVEDORE_BUILD_AOT=off}.
 */
final class FastStart {
    static final String RELAUNCHED = "stevedore.build.relaunched";
    /** The JVM would otherwise log about the class cache on the build's own output. */
    static final List<String> QUIET_CACHE_LOGS = List.of("-Xlog:aot=off", "-Xlog:cds=off");

    private FastStart() {}

    /** Runs the command in an AOT-cached child JVM and returns its exit status, or empty to run here. */
    static Optional<Integer> relaunch() {
        if (System.getProperty(RELAUNCHED) != null || "off".equals(System.getenv("STEVEDORE_BUILD_AOT"))
                || Runtime.version().feature() < 25) {
            return Optional.empty();
        }
        List<String> arguments = Arrays.asList(ProcessHandle.current().info().arguments().orElse(new String[0]));
        Optional<String> java = ProcessHandle.current().info().command();
        JarIdentity jar = JarIdentity.current();
        int jarOption = arguments.indexOf("-jar");
        if (java.isEmpty() || jar == null || jarOption < 0 || jarOption + 1 >= arguments.size()) {
            return Optional.empty();
        }
        List<String> jvmOptions = arguments.subList(0, jarOption);
        for (String option : jvmOptions) {
            if (option.startsWith("-XX:AOT") || option.startsWith("-XX:SharedArchiveFile") || option.startsWith("-Xshare")) {
                return Optional.empty();
            }
        }
        Path cache = cacheFile(jar);
        if (cache == null) {
            return Optional.empty();
        }
        Path configuration = cache.resolveSibling(cache.getFileName() + ".config");
        List<String> command = new ArrayList<>();
        command.add(java.get());
        command.addAll(jvmOptions);
        boolean recording = false;
        if (Files.exists(cache)) {
            command.add("-XX:AOTCache=" + cache);
        } else if (claim(configuration)) {
            command.add("-XX:AOTMode=record");
            command.add("-XX:AOTConfiguration=" + configuration);
            // the JVM announces the recording on stdout, which belongs to the digest
            command.add("-XX:+UnlockDiagnosticVMOptions");
            command.add("-XX:+DisplayVMOutputToStderr");
            recording = true;
        } else {
            return Optional.empty();   // another run is recording right now
        }
        command.addAll(QUIET_CACHE_LOGS);
        command.addAll(mainClass(jar, "true"));
        command.addAll(arguments.subList(jarOption + 2, arguments.size()));
        try {
            Process child = new ProcessBuilder(command).inheritIO().start();
            Thread stop = new Thread(child::destroy);
            Runtime.getRuntime().addShutdownHook(stop);
            int status = child.waitFor();
            Runtime.getRuntime().removeShutdownHook(stop);
            if (recording) {
                assembleInBackground(java.get(), jvmOptions, jar, configuration, cache);
            }
            return Optional.of(status);
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(130);
        }
    }

    /** Creates the cache from the recorded configuration in a detached JVM, then moves it into place. */
    private static void assembleInBackground(String java, List<String> jvmOptions, JarIdentity jar, Path configuration,
                                             Path cache) {
        if (!new File("/bin/sh").canExecute()) {
            return;
        }
        Path tmp = cache.resolveSibling(cache.getFileName() + ".tmp");
        StringBuilder script = new StringBuilder();
        script.append(quote(java));
        for (String option : jvmOptions) {
            script.append(' ').append(quote(option));
        }
        script.append(" -XX:AOTMode=create -XX:AOTConfiguration=").append(quote(configuration.toString()))
                .append(" -XX:AOTCache=").append(quote(tmp.toString()))
                .append(" -cp ").append(quote(jar.jar().toString()))
                .append(" && mv -f ").append(quote(tmp.toString())).append(' ').append(quote(cache.toString()))
                .append("; rm -f ").append(quote(configuration.toString())).append(' ').append(quote(tmp.toString()));
        try {
            Detached.start(List.of("/bin/sh", "-c", script.toString()), ProcessBuilder.Redirect.DISCARD);
        } catch (IOException e) {
            // no cache this time; the next run records again
        }
    }

    private static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    private static boolean claim(Path configuration) {
        try {
            if (Files.exists(configuration)
                    && Files.getLastModifiedTime(configuration).toMillis() < System.currentTimeMillis() - 600_000) {
                Files.deleteIfExists(configuration);   // left by a run that died
            }
            Files.createFile(configuration);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** The tail of a child JVM's command line: marked as re-launched, this jar, this CLI's main class. */
    static List<String> mainClass(JarIdentity jar, String relaunchedAs) {
        return List.of("-D" + RELAUNCHED + "=" + relaunchedAs, "-cp", jar.jar().toString(), Main.class.getName());
    }

    /** Beside the jar when that directory is writable, else under the user's cache directory. */
    static Path cacheFile(JarIdentity jar) {
        try {
            String name = "build-service-" + jar.tag() + "-jdk" + Runtime.version().feature() + ".aot";
            Path dir = jar.jar().toAbsolutePath().getParent();
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
