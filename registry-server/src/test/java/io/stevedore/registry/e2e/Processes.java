package io.stevedore.registry.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs external programs (docker, skopeo, apt-get) for the end-to-end tests: with a timeout, no
 * standard input, output captured, and a failure message that carries the whole output.
 */
final class Processes {

    /** Generous: a docker pull or push of a few MiB over loopback takes seconds. */
    static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final int MAX_SHOWN = 8_000;
    private static Boolean dockerAnswers;

    private Processes() {
    }

    /** What a finished program did. {@code stdout} is kept as bytes: skopeo inspect --raw is compared byte for byte. */
    record Result(List<String> command, int exitCode, byte[] stdout, String stderr, boolean timedOut) {

        String out() {
            return new String(stdout, UTF_8);
        }

        boolean succeeded() {
            return exitCode == 0;
        }

        String describe() {
            return "`" + String.join(" ", command) + "` " + (timedOut ? "timed out" : "exited with " + exitCode)
                    + "\n--- stdout ---\n" + shorten(out()) + "\n--- stderr ---\n" + shorten(stderr);
        }
    }

    /** Runs the command and fails the test, showing all output, unless it exits 0. */
    static Result check(String... command) {
        Result result = run(command);
        if (!result.succeeded()) {
            fail(result.describe());
        }
        return result;
    }

    static Result run(String... command) {
        return run(null, TIMEOUT, Arrays.asList(command));
    }

    /** Runs the command in {@code dir} (null: the current directory); fails the test if it outlives the timeout. */
    static Result run(Path dir, Duration timeout, List<String> command) {
        Result result = execute(dir, timeout, command);
        if (result.timedOut()) {
            fail("timed out after " + timeout + ": " + result.describe());
        }
        return result;
    }

    /** Like {@link #run(Path, Duration, List)}, but a timeout is reported in the result rather than failing. */
    static Result execute(Path dir, Duration timeout, List<String> command) {
        return execute(dir, timeout, command, null);
    }

    /** Runs the command with {@code input} as its standard input (a password for --password-stdin). */
    static Result runWithInput(String input, String... command) {
        Result result = execute(null, TIMEOUT, Arrays.asList(command), input);
        if (result.timedOut()) {
            fail("timed out after " + TIMEOUT + ": " + result.describe());
        }
        return result;
    }

    private static Result execute(Path dir, Duration timeout, List<String> command, String input) {
        Path in = null;
        Path out = null;
        Path err = null;
        try {
            if (input != null) {
                in = Files.createTempFile("e2e-in", ".txt");
                Files.writeString(in, input);
            }
            out = Files.createTempFile("e2e-out", ".log");
            err = Files.createTempFile("e2e-err", ".log");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(in == null ? new File("/dev/null") : in.toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (dir != null) {
                builder.directory(dir.toFile());
            }
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return new Result(command, -1, Files.readAllBytes(out), Files.readString(err), true);
            }
            return new Result(command, process.exitValue(), Files.readAllBytes(out), Files.readString(err), false);
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            deleteQuietly(in);
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Arrays.stream(path.split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .anyMatch(entry -> Files.isExecutable(Path.of(entry, program)));
    }

    /** Skips the calling test unless {@code program} is installed. */
    static void assumeInstalled(String program, String debianPackage) {
        assumeTrue(onPath(program), program + " is not on PATH (apt-get install " + debianPackage + "); skipping");
    }

    /** Skips the calling test unless the docker CLI is installed and a daemon answers {@code docker info}. */
    static synchronized void assumeDockerDaemon() {
        assumeInstalled("docker", "docker.io");
        if (dockerAnswers == null) {
            Result info = execute(null, Duration.ofSeconds(30), List.of("docker", "info", "--format", "{{.ServerVersion}}"));
            dockerAnswers = info.succeeded() && !info.out().isBlank();
        }
        assumeTrue(dockerAnswers, "no Docker daemon answers `docker info` (start one with "
                + "`dockerd --bridge=none --iptables=false --ip-masq=false &`); skipping");
    }

    private static String shorten(String text) {
        return text.length() <= MAX_SHOWN ? text
                : text.substring(0, MAX_SHOWN / 2) + "\n[... " + (text.length() - MAX_SHOWN) + " characters left out ...]\n"
                        + text.substring(text.length() - MAX_SHOWN / 2);
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }
}
