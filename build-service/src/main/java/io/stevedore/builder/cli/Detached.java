package io.stevedore.builder.cli;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a background process nobody waits for: in its own session (so Ctrl-C in the caller's
 * terminal never reaches it), standard input from /dev/null, output and errors to {@code output}.
 */
final class Detached {
    private Detached() {}

    /**
     * The process started: the command itself. setsid execs it in place unless setsid leads a
     * process group, which a process the JDK spawns never does.
     */
    static Process start(List<String> command, ProcessBuilder.Redirect output) throws IOException {
        List<String> full = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) {
            full.add("/usr/bin/setsid");
        }
        full.addAll(command);
        return new ProcessBuilder(full)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(output)
                .redirectErrorStream(true)
                .start();
    }
}
