package io.stevedore.builder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonClientTest {
    @TempDir
    Path dir;

    @Test
    void nothingIsSentToADaemonOfAnotherUser() throws Exception {
        Path socket = dir.resolve("work").resolve("daemon-1-2.sock");
        try (AnotherUser other = AnotherUser.listen(dir, socket)) {
            assertThat(DaemonClient.send(socket, new String[] {"build", "."}, Map.of("TOKEN", "secret")))
                    .as("left to this process, which runs the build itself").isEmpty();
            assertThat(other.receivedAnything()).isFalse();
        }
    }

    @Test
    void noDaemonMeansNothingWasRun() throws Exception {
        assertThat(DaemonClient.send(dir.resolve("none.sock"), new String[] {"build", "."}, Map.of())).isEmpty();
    }
}
