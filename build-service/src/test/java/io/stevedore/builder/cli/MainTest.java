package io.stevedore.builder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void unknownDaemonCommandIsAUsageErrorNotAStackTrace() {
        for (String argument : new String[] {"status", "start", "relative/daemon.sock", ""}) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Main.daemon(argument, new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(status).as(argument).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8))
                    .startsWith("error: unknown daemon command \"" + argument + "\"")
                    .contains("daemon stop")
                    .doesNotContain("Exception");
        }
    }

    @Test
    void unknownCommandIsAUsageError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"biuld"}, System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("error: unknown command \"biuld\"");
    }

    @Test
    void buildHelpPrintsTheUsageOnStdoutAndSucceeds() {
        for (String help : new String[] {"--help", "-h"}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Main.run(new String[] {"build", "-t", "x/y:1", help}, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(status).as(help).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: java -jar build-service.jar build");
            assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        }
    }
}
