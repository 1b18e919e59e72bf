package io.stevedore.builder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildDaemonTest {
    @TempDir
    Path dir;

    @Test
    void aSecondDaemonForASocketThatIsServedLeavesItAlone() throws Exception {
        Path socket = dir.resolve("work").resolve("daemon-1-2.sock");
        try (TestDaemon first = TestDaemon.listening(socket, dir.resolve("first.log"));
             TestDaemon second = TestDaemon.start(socket, dir.resolve("second.log"))) {
            assertThat(second.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(second.process.exitValue()).isZero();
            assertThat(second.log()).contains("build daemon not started: another one listens on " + socket);

            assertThat(DaemonClient.send(socket, new String[] {"build", "--help"}, Map.of()))
                    .as("the first daemon still serves").contains(0);
            assertThat(first.log()).contains("build in");
        }
    }

    @Test
    void aClientOfAnotherUserIsRefused() throws Exception {
        Path socket = dir.resolve("work").resolve("daemon-1-2.sock");
        try (TestDaemon daemon = TestDaemon.listening(socket, dir.resolve("daemon.log"))) {
            // as if in the moment between bind and chmod 0600
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            assertThat(AnotherUser.request(dir, socket)).as("bytes answered").isZero();
            assertThat(daemon.log()).contains("refused a client of another user").doesNotContain("build in");
        }
    }
}
