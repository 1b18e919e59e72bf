package io.stevedore.registry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** How the binaries are run: as which account when the JVM is root. */
class PostgresProcessesTest extends PostgresTestSupport {

    @Test
    void runsPostgresAsTheRunAsAccountWhenTheJvmIsRoot() throws Exception {
        assumeThat(ProcessHandle.current().info().user()).contains("root");
        Path dataDir = dataDir();
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            postgres.start();
            long pid = postmasterPid(dataDir);
            assertThat(ProcessHandle.of(pid).flatMap(p -> p.info().user())).contains("nobody");
            assertThat(Files.getOwner(dataDir.resolve("postgres")).getName()).isEqualTo("nobody");
            assertThat(Files.getOwner(dataDir.resolve("postgres.log")).getName()).isEqualTo("nobody");
            assertThat(Files.getOwner(dataDir.resolve("postgres.password")).getName()).isEqualTo("root");
        }
    }
}
