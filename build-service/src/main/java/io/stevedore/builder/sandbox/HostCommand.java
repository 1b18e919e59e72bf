package io.stevedore.builder.sandbox;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** A short-lived host tool (mount, umount, runc kill/delete) run to completion. */
record HostCommand(List<String> argv, Path directory) {

    HostCommand {
        argv = List.copyOf(argv);
    }

    static HostCommand of(String... argv) {
        return new HostCommand(List.of(argv), null);
    }

    HostCommand in(Path workingDirectory) {
        return new HostCommand(argv, workingDirectory);
    }

    /** The result of the run; never throws for a non-zero exit. */
    Result run() {
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        try {
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return new Result(process.waitFor(), output);
        } catch (IOException e) {
            return new Result(-1, "cannot run " + argv.getFirst() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, argv.getFirst() + " interrupted");
        }
    }

    /** Runs it and fails with {@code what} and the tool's own message unless it exits 0. */
    String runOrThrow(String what) {
        Result result = run();
        if (result.exitCode() != 0) {
            throw new SandboxException(what + ": " + String.join(" ", argv) + " failed"
                    + (result.output().isEmpty() ? " with status " + result.exitCode() : ": " + result.output()));
        }
        return result.output();
    }

    record Result(int exitCode, String output) {
    }
}
