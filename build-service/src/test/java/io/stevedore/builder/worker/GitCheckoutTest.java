package io.stevedore.builder.worker;

import io.stevedore.builder.engine.BuildException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Checkouts from a local repository (file transport allowed here only; workers allow network transports). */
class GitCheckoutTest {
    @TempDir
    Path temp;
    Path origin;
    String firstCommit;
    final List<String> log = new ArrayList<>();

    @BeforeEach
    void repository() throws Exception {
        origin = Files.createDirectories(temp.resolve("origin"));
        git(origin, "init", "-q", "-b", "main");
        Files.createDirectories(origin.resolve("app"));
        Files.writeString(origin.resolve("app/Dockerfile"), "FROM scratch\n");
        git(origin, "add", ".");
        git(origin, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one");
        firstCommit = git(origin, "rev-parse", "HEAD").strip();
        git(origin, "tag", "v1");
        Files.writeString(origin.resolve("app/Dockerfile"), "FROM scratch\nLABEL two=2\n");
        git(origin, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "two");
    }

    @Test
    void branchesTagsAndCommitsCheckOutWithTheSubdirAsContext() throws Exception {
        Path branch = checkout(new Job.GitSource(origin.toString(), "main", "app", null), "b");
        assertThat(branch).isEqualTo(temp.resolve("b/src/app"));
        assertThat(Files.readString(branch.resolve("Dockerfile"))).contains("two=2");

        assertThat(Files.readString(checkout(new Job.GitSource(origin.toString(), "v1", "app", null), "t")
                .resolve("Dockerfile"))).doesNotContain("two");
        assertThat(Files.readString(checkout(new Job.GitSource(origin.toString(), firstCommit, "app", null), "c")
                .resolve("Dockerfile"))).doesNotContain("two");
        assertThat(checkout(new Job.GitSource(origin.toString(), null, null, null), "h"))
                .isEqualTo(temp.resolve("h/src"));
    }

    @Test
    void anUnknownRefFailsNamingIt() {
        assertThatThrownBy(() -> checkout(new Job.GitSource(origin.toString(), "no-such-branch", null, null), "u"))
                .isInstanceOf(BuildException.class)
                .hasMessage("git: ref 'no-such-branch' not found in " + origin);
    }

    @Test
    void aSubdirOutsideTheCheckoutIsRefused() {
        assertThatThrownBy(() -> checkout(new Job.GitSource(origin.toString(), "main", "../..", null), "s"))
                .isInstanceOf(BuildException.class)
                .hasMessage("git subdir '../..' is outside the build context");
    }

    @Test
    void theWorkersTransportsExcludeLocalFiles() {
        assertThatThrownBy(() -> new GitCheckout(GitCheckout.NETWORK_PROTOCOLS, log::add)
                .checkout(new Job.GitSource(origin.toString(), "main", null, null), null, scratch("p")))
                .isInstanceOf(BuildException.class);
        assertThat(log).anyMatch(line -> line.contains("transport 'file' not allowed"));
    }

    @Test
    void anHttpsTokenNeverReachesTheLog() throws Exception {
        // nothing listens there: the fetch fails, and the token must not show in what git printed
        assertThatThrownBy(() -> new GitCheckout(GitCheckout.NETWORK_PROTOCOLS, log::add)
                .checkout(new Job.GitSource("http://127.0.0.1:9/repo.git", "main", null, "t"),
                        "very-secret-token".getBytes(), scratch("k")))
                .isInstanceOf(BuildException.class);
        assertThat(String.join("\n", log)).doesNotContain("very-secret-token").doesNotContain("dmVyeS1zZWNyZXQtdG9rZW4");
    }

    private Path checkout(Job.GitSource source, String name) throws Exception {
        return new GitCheckout("file", log::add).checkout(source, null, scratch(name));
    }

    private Path scratch(String name) {
        try {
            return Files.createDirectories(temp.resolve(name));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String git(Path directory, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(output).isZero();
        return output;
    }
}
