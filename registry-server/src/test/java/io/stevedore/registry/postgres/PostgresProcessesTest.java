package io.stevedore.registry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the binaries are run: as which account, and with which capabilities, when the JVM is root. */
class PostgresProcessesTest extends PostgresTestSupport {

    /** CapEff and friends are hex bit masks; CAP_DAC_OVERRIDE is capability 1. */
    private static final String DAC_OVERRIDE_ONLY = "0000000000000002";
    private static final String NONE = "0000000000000000";

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
            assertThat(Files.getOwner(dataDir.resolve("postgres.registry.password")).getName()).isEqualTo("root");
        }
    }

    /** The test dir is under ROOT, which only root may enter, as /root would be. */
    @Test
    void keepsOnlyDacOverrideWhenTheAccountCannotReachTheDataDir() throws Exception {
        assumeThat(ProcessHandle.current().info().user()).contains("root");
        Path dataDir = dataDir();
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            postgres.start();
            Map<String, String> capabilities = capabilities(postmasterPid(dataDir));
            assertThat(capabilities).containsEntry("CapEff", DAC_OVERRIDE_ONLY).containsEntry("CapPrm", DAC_OVERRIDE_ONLY);
            assertThat(Files.readString(dataDir.resolve("postgres.log"))).contains("with CAP_DAC_OVERRIDE");
        }
    }

    @Test
    void dropsEveryCapabilityWhenTheAccountCanReachTheDataDir() throws Exception {
        assumeThat(ProcessHandle.current().info().user()).contains("root");
        Path open = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "stevedore-postgres-");
        try {
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
            assumeThat(everyoneMayTraverse(open)).as("every directory down to " + open + " is world-traversable").isTrue();
            Path dataDir = open.resolve("data");
            try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
                assertThat(query(postgres.start(), "SELECT 1")).containsExactly("1");
                long pid = postmasterPid(dataDir);
                assertThat(ProcessHandle.of(pid).flatMap(p -> p.info().user())).contains("nobody");
                assertThat(capabilities(pid)).containsEntry("CapEff", NONE).containsEntry("CapPrm", NONE)
                        .containsEntry("CapInh", NONE).containsEntry("CapAmb", NONE);
                assertThat(Files.readString(dataDir.resolve("postgres.log"))).contains("without capabilities");
            }
        } finally {
            FileTrees.delete(open);
        }
    }

    /** The Cap* lines of /proc/PID/status. */
    private static Map<String, String> capabilities(long pid) throws IOException {
        Map<String, String> capabilities = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("Cap")) {
                String[] nameAndValue = line.split(":\\s*", 2);
                capabilities.put(nameAndValue[0], nameAndValue[1].strip());
            }
        }
        return capabilities;
    }

    private static boolean everyoneMayTraverse(Path dir) throws IOException {
        for (Path current = dir.toRealPath(); current != null; current = current.getParent()) {
            if (!Files.getPosixFilePermissions(current).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        return true;
    }
}
