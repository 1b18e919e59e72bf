package io.stevedore.registry.postgres;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs initdb and pg_ctl for one cluster, each to completion within a timeout, their output
 * appended to the log file (where the server's own log also goes), so that a failure can be
 * explained by the log's tail.
 *
 * <p>When this JVM is root, every binary runs through {@code setpriv} as the run-as account,
 * keeping only CAP_DAC_OVERRIDE so it can still traverse directories only root may enter (a
 * data dir under /root).
 */
final class PostgresProcesses {

    private static final Logger log = LoggerFactory.getLogger(PostgresProcesses.class);
    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(5);
    // A start may have to replay WAL after a crash; pg_ctl gives up (and we fail) after this.
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(1);
    private static final int LOG_TAIL_LINES = 40;

    private final Path binDir;
    private final Path clusterDir;
    private final Path logFile;
    private final Optional<RunAsAccount> account;

    /**
     * @param binDir     the {@code bin} dir of the unpacked binaries
     * @param clusterDir the cluster (PGDATA); its parent, the data dir, is the working directory
     * @param logFile    must exist, and belong to {@code account} when there is one
     * @param account    who to run the binaries as; empty: as this JVM's user
     */
    PostgresProcesses(Path binDir, Path clusterDir, Path logFile, Optional<RunAsAccount> account) {
        this.binDir = binDir;
        this.clusterDir = clusterDir;
        this.logFile = logFile;
        this.account = account;
    }

    /** initdb into {@code target}: scram-sha-256 only, superuser password read from {@code passwordFile}. */
    void initdb(Path target, String superuser, Path passwordFile) throws IOException {
        runOrFail("initdb", INITDB_TIMEOUT, command("initdb", "-D", target.toString(), "-U", superuser,
                "-E", "UTF8", "--no-locale", "--auth=scram-sha-256", "--pwfile=" + passwordFile,
                "--no-instructions"));
    }

    /** Starts the server and waits until it accepts connections; on failure nothing is left running. */
    void start(int port) throws IOException {
        // Loopback TCP only; no unix socket (its path length is limited and nothing here needs it).
        // pg_ctl -w waits on postmaster.pid's status, so it needs no socket either.
        String options = "-c listen_addresses=127.0.0.1 -p " + port + " -c unix_socket_directories=''";
        try {
            runOrFail("pg_ctl start", START_TIMEOUT.plusSeconds(30), pgCtl("start", "-w", "-t", seconds(START_TIMEOUT),
                    "-l", logFile.toString(), "-o", options));
        } catch (IOException e) {
            stopQuietly(); // a start that timed out may still come up later
            throw e;
        }
    }

    /** Fast shutdown: open transactions roll back. {@code what} names the stop in messages. */
    void stop(String what) throws IOException {
        runOrFail(what, STOP_TIMEOUT, pgCtl("stop", "-m", "fast", "-w", "-t", seconds(STOP_TIMEOUT)));
    }

    /** {@link #stop}, for clean-up after another failure: logs instead of throwing. */
    void stopQuietly() {
        try {
            run("pg_ctl stop", STOP_TIMEOUT, pgCtl("stop", "-m", "fast", "-w", "-t", seconds(STOP_TIMEOUT)));
        } catch (IOException | RuntimeException e) {
            log.warn("Could not stop PostgreSQL on {}", clusterDir, e);
        }
    }

    /** The last lines of the log, for exception messages. */
    String logTail() {
        try (SeekableByteChannel channel = Files.newByteChannel(logFile)) {
            long size = channel.size();
            int length = (int) Math.min(size, 16 * 1024);
            ByteBuffer buffer = ByteBuffer.allocate(length);
            channel.position(size - length);
            while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                // fill
            }
            List<String> lines = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).lines().toList();
            List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
            return "; last lines of " + logFile + ":\n" + String.join("\n", tail);
        } catch (IOException e) {
            return "; " + logFile + " unreadable: " + e.getMessage();
        }
    }

    private List<String> pgCtl(String action, String... args) {
        List<String> all = new ArrayList<>(List.of(action, "-D", clusterDir.toString()));
        all.addAll(List.of(args));
        return command("pg_ctl", all.toArray(String[]::new));
    }

    /**
     * The command line for a PostgreSQL binary, through setpriv when there is an account: its
     * uid and gid, no supplementary groups, and CAP_DAC_OVERRIDE as the only capability
     * (ambient, so it survives exec), to get through directories only root may enter.
     *
     * <p>{@code no_setuid_fixup}: PostgreSQL checks its own binaries (and initdb and pg_ctl check
     * {@code postgres}) with access(2), which for a non-root uid ignores capabilities unless this
     * securebit is set -- without it a data dir under /root fails with "invalid binary ...:
     * Permission denied". The bit only keeps capabilities across uid changes; the process still
     * holds no capability beyond DAC override.
     */
    private List<String> command(String binary, String... args) {
        List<String> command = new ArrayList<>();
        account.ifPresent(runAs -> command.addAll(List.of("setpriv", "--reuid=" + runAs.uid(),
                "--regid=" + runAs.gid(), "--clear-groups", "--securebits=+no_setuid_fixup",
                "--inh-caps=+dac_override", "--ambient-caps=+dac_override", "--")));
        command.add(binDir.resolve(binary).toString());
        command.addAll(List.of(args));
        return command;
    }

    private void runOrFail(String what, Duration timeout, List<String> command) throws IOException {
        int exit = run(what, timeout, command);
        if (exit != 0) {
            throw new IOException(what + " failed (exit " + exit + ")" + logTail());
        }
    }

    private int run(String what, Duration timeout, List<String> command) throws IOException {
        log.debug("Running {}", command);
        Files.writeString(logFile, "stevedore: running " + String.join(" ", command) + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(clusterDir.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        // The operator's PG* variables (PGDATA, PGPORT, PGOPTIONS, ...) must not steer our server.
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        Process process = builder.start();
        process.getOutputStream().close();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(what + " did not finish within " + timeout.toSeconds() + "s" + logTail());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while running " + what);
        }
    }

    private static String seconds(Duration duration) {
        return Long.toString(duration.toSeconds());
    }
}
