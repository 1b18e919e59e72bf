package io.stevedore.builder.cli;

import io.stevedore.builder.host.HostRequirements;
import io.stevedore.builder.host.SearchPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BuildCommandHostCheckTest {
    @TempDir
    Path temp;

    @Test
    void theFirstLineOnStderrNamesWhatTheMachineLacksBeforeTheBuildStarts() throws Exception {
        Path context = Files.createDirectories(temp.resolve("context"));
        Files.writeString(context.resolve("Dockerfile"), "FROM scratch\n");
        Path proc = Files.createDirectories(temp.resolve("proc/self")).getParent();
        Files.writeString(proc.resolve("self/status"), "Uid:\t0\t0\t0\t0\n");
        Files.writeString(proc.resolve("filesystems"), "nodev\toverlay\n");
        HostRequirements noTools = new HostRequirements(new SearchPath(List.of(temp.resolve("empty-bin"))), proc,
                temp.resolve("modules"), platform -> true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        // 127.0.0.1:1 refuses the push: the build fails after the check, which is all this test needs
        int status = new BuildCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("HOME", temp.toString()), temp, noTools)
                .run(new String[] {"-t", "127.0.0.1:1/team/app:1", "--work-dir", temp.resolve("work").toString(),
                        context.toString()});

        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(status).isEqualTo(1);
        assertThat(lines.getFirst()).isEqualTo("warning: this machine lacks mount/umount (Debian package mount): RUN, COPY"
                + " and ADD steps cannot mount their overlays; runc (Debian package runc): RUN steps cannot run;"
                + " setfattr/getfattr (Debian package attr): file capabilities cannot be kept, so builds whose layers"
                + " carry them fail");
        assertThat(lines.stream().filter(line -> line.startsWith("warning: this machine lacks"))).hasSize(1);
    }
}
