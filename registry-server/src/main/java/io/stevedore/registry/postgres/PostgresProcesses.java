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
 * with no capability at all when that account can reach the data dir and the binaries itself,
 * and with CAP_DAC_OVERRIDE alone when it cannot (a data dir under /root, say): the only way
 * through a directory only root may enter.
 */
final class PostgresProcesses {

    private static final Logger log = LoggerFactory.getLogger(PostgresProcesses.class);
    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(5);
    // A start may have to replay WAL after a crash; pg_ctl gives up (and we fail) after this.
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(1);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(30);
    private static final int LOG_TAIL_LINES = 40;

    private final Path binDir;
    private final Path clusterDir;
    private final Path logFile;
    private final Optional<RunAsAccount> account;
    private final boolean dacOverride;

    private PostgresProcesses(Path binDir, Path clusterDir, Path logFile, Optional<RunAsAccount> account,
            boolean dacOverride) {
        this.binDir = binDir;
        this.clusterDir = clusterDir;
        this.logFile = logFile;
        this.account = account;
        this.dacOverride = dacOverride;
    }

    /**
     * @param binDir     the {@code bin} dir of the unpacked binaries
     * @param clusterDir the cluster (PGDATA); its parent, the data dir, is the working directory
     * @param logFile    must exist, and belong to {@code account} when there is one
     * @param account    who to run the binaries as; empty: as this JVM's user
     */
    static PostgresProcesses forCluster(Path binDir, Path clusterDir, Path logFile, Optional<RunAsAccount> account)
            throws IOException {
        PostgresProcesses withoutCapabilities = new PostgresProcesses(binDir, clusterDir, logFile, account, false);
        if (account.isEmpty() || withoutCapabilities.accountReachesDataDirAndBinaries(account.get())) {
            return withoutCapabilities;
        }
        return new PostgresProcesses(binDir, clusterDir, logFile, account, true);
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

    /**
     * Asks the kernel, by trying, whether the account with no capability can enter the data dir
     * and start {@code postgres} -- which also takes reading its libraries. Trying rather than
     * reading mode bits takes ACLs into account. The shell is what pg_ctl starts postgres with;
     * setpriv itself still holds root's capabilities when it execs it, the shell none.
     */
    private boolean accountReachesDataDirAndBinaries(RunAsAccount runAs) throws IOException {
        Path dataDir = clusterDir.getParent();
        int exit = run("capability probe", PROBE_TIMEOUT, List.of("setpriv", "--reuid=" + runAs.uid(),
                "--regid=" + runAs.gid(), "--clear-groups", "--",
                "/bin/sh", "-c", "test -x \"$1\" && exec \"$2\" --version", "probe",
                dataDir.toString(), binDir.resolve("postgres").toString()));
        String outcome;
        if (exit == 0) {
            outcome = "PostgreSQL runs as " + runAs.name() + " without capabilities: that account can reach "
                    + dataDir + " and the binaries itself";
        } else {
            outcome = "PostgreSQL runs as " + runAs.name() + " with CAP_DAC_OVERRIDE: that account cannot reach "
                    + dataDir + " or the binaries itself (a parent directory it may not enter?)";
        }
        log.info(outcome);
        appendToLog("stevedore: " + outcome);
        return exit == 0;
    }

    private List<String> pgCtl(String action, String... args) {
        List<String> all = new ArrayList<>(List.of(action, "-D", clusterDir.toString()));
        all.addAll(List.of(args));
        return command("pg_ctl", all.toArray(String[]::new));
    }

    /**
     * The command line for a PostgreSQL binary, through setpriv when there is an account: its
     * uid and gid, no supplementary groups, and no capability -- or, when the account needs it,
     * CAP_DAC_OVERRIDE as the only one (ambient, so it survives exec).
     *
     * <p>{@code no_setuid_fixup}: PostgreSQL checks its own binaries (and initdb and pg_ctl check
     * {@code postgres}) with access(2), which for a non-root uid ignores capabilities unless this
     * securebit is set -- without it a data dir under /root fails with "invalid binary ...:
     * Permission denied". The bit only keeps capabilities across uid changes; the process still
     * holds no capability beyond DAC override.
     */
    private List<String> command(String binary, String... args) {
        List<String> command = new ArrayList<>();
        account.ifPresent(runAs -> {
            command.addAll(List.of("setpriv", "--reuid=" + runAs.uid(), "--regid=" + runAs.gid(), "--clear-groups"));
            if (dacOverride) {
                command.addAll(List.of("--securebits=+no_setuid_fixup", "--inh-caps=+dac_override",
                        "--ambient-caps=+dac_override"));
            }
            command.add("--");
        });
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
        appendToLog("stevedore: running " + String.join(" ", command));
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

    private void appendToLog(String line) throws IOException {
        Files.writeString(logFile, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static String seconds(Duration duration) {
        return Long.toString(duration.toSeconds());
    }
}
