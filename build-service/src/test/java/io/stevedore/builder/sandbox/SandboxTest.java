package io.stevedore.builder.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.oci.Platform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxTest {

    private static final List<String> PATH = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    private static final Duration GENEROUS = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    private Path lower;
    private OverlayMount overlay;
    private Sandbox sandbox;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    @BeforeEach
    void mountBusyboxImage() throws IOException {
        TestRootfs.assumeRunc();
        lower = TestRootfs.busyboxLayer(dir.resolve("lower"), TestRootfs.HOST_BUSYBOX);
        overlay = OverlayMount.mount(List.of(lower), dir.resolve("upper"), dir.resolve("work"), dir.resolve("merged"));
        sandbox = Sandbox.runc(dir.resolve("state"));
    }

    @AfterEach
    void unmount() {
        if (overlay != null) {
            overlay.close();
        }
    }

    @Test
    void outputOfTheStepIsCaptured() {
        int status = sandbox.run(step("echo hello; echo oops >&2"));

        assertThat(status).isZero();
        assertThat(output()).isEqualTo("hello\noops\n");
    }

    @Test
    void stdoutAndStderrStayInTheOrderWritten() {
        StringBuilder script = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            script.append("echo out").append(i).append("; echo err").append(i).append(" >&2; ");
            expected.append("out").append(i).append("\nerr").append(i).append('\n');
        }

        assertThat(sandbox.run(step(script.toString()))).isZero();

        assertThat(output()).isEqualTo(expected.toString());
    }

    @Test
    void environmentReachesTheStepExactlyAsGiven() {
        RunSpec spec = new RunSpec(overlay.merged(), List.of("/bin/busybox", "env"),
                List.of("PATH=/bin", "B=two words", "A=1"), "/", "", false, GENEROUS, 0, List.of(), null, output);

        assertThat(sandbox.run(spec)).isZero();

        assertThat(output().lines().sorted().toList()).containsExactly("A=1", "B=two words", "HOME=/root", "PATH=/bin");
    }

    @Test
    void exitStatusIsPropagated() {
        assertThat(sandbox.run(step("exit 3"))).isEqualTo(3);
    }

    @Test
    void envWorkingDirAndHostnameAreApplied() throws IOException {
        RunSpec spec = new RunSpec(overlay.merged(), sh("echo $GREETING; pwd; hostname"),
                List.of(PATH.getFirst(), "GREETING=hi there"), "/app/src", "", false, GENEROUS, 0, List.of(), null, output);

        assertThat(sandbox.run(spec)).isZero();

        assertThat(output()).isEqualTo("hi there\n/app/src\n" + RuncConfig.HOSTNAME + "\n");
        Path created = overlay.upper().resolve("app/src");
        assertThat(created).isDirectory();
        assertThat(Files.getAttribute(created, "unix:mode")).isEqualTo(040755);
        assertThat(Files.getAttribute(created, "unix:uid")).isEqualTo(0);
    }

    @Test
    void userByNameRunsAsItsUidWithItsGroups() {
        assertThat(sandbox.run(stepAs("u", "id -u; id -g; id -G"))).isZero();

        assertThat(output()).isEqualTo("1000\n1000\n1000 2000\n");
    }

    @Test
    void userByUidAndGidRunsAsThem() {
        assertThat(sandbox.run(stepAs("1000:1000", "id -u; id -g"))).isZero();

        assertThat(output()).isEqualTo("1000\n1000\n");
    }

    @Test
    void userByNameAndGroupNameUsesThatGroupOnly() {
        assertThat(sandbox.run(stepAs("u:builders", "id -u; id -G"))).isZero();

        assertThat(output()).isEqualTo("1000\n2000\n");
    }

    @Test
    void unknownUserNameIsAClearError() {
        assertThatThrownBy(() -> sandbox.run(stepAs("nobody-here", "true")))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("nobody-here")
                .hasMessageContaining("/etc/passwd");
    }

    @Test
    void filesWrittenAppearInTheUpperAndDeletionsAsWhiteouts() throws IOException {
        Files.writeString(lower.resolve("etc/obsolete"), "old");

        assertThat(sandbox.run(step("echo new > /made; rm /etc/obsolete"))).isZero();

        assertThat(Files.readString(overlay.upper().resolve("made"))).isEqualTo("new\n");
        assertThat(TestRootfs.isWhiteout(overlay.upper().resolve("etc/obsolete"))).isTrue();
    }

    @Test
    void noMountPointsOfTheSandboxAreLeftInTheUpper() throws IOException {
        Path secret = Files.writeString(dir.resolve("secret"), "s3cr3t");
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Path context = Files.createDirectories(dir.resolve("context"));
        List<BindMount> mounts = List.of(
                new BindMount(secret, "/run/secrets/x", true),
                new BindMount(cache, "/var/cache/tool", false),
                new BindMount(context, "/src", true));
        RunSpec spec = new RunSpec(overlay.merged(), sh("echo made > /made; ls / > /dev/null"), PATH, "/", "", true,
                GENEROUS, 0, mounts, null, output);

        assertThat(sandbox.run(spec)).isZero();

        assertThat(TestRootfs.nonDirectories(overlay.upper())).containsExactly("made");
        // Only copied-up directories of the image may remain, never a created mount point.
        for (String directory : TestRootfs.directories(overlay.upper())) {
            assertThat(lower.resolve(directory)).as("directory %s in the upper", directory).isDirectory();
            assertThat(Files.getLastModifiedTime(overlay.upper().resolve(directory)))
                    .as("mtime of %s", directory).isEqualTo(Files.getLastModifiedTime(lower.resolve(directory)));
        }
        assertThat(dir.resolve("state")).isEmptyDirectory();
    }

    @Test
    void anExistingEtcHostsIsShadowedButNotReplacedInTheLayer() throws IOException {
        Files.writeString(lower.resolve("etc/hosts"), "10.0.0.1 from-the-image\n");
        RunSpec spec = new RunSpec(overlay.merged(), sh("cat /etc/hosts"), PATH, "/", "", true, GENEROUS, 0,
                List.of(), null, output);

        assertThat(sandbox.run(spec)).isZero();

        assertThat(output()).contains("127.0.0.1\t" + RuncConfig.HOSTNAME).doesNotContain("from-the-image");
        assertThat(overlay.upper().resolve("etc/hosts")).doesNotExist();
        assertThat(Files.readString(overlay.merged().resolve("etc/hosts"))).isEqualTo("10.0.0.1 from-the-image\n");
    }

    @Test
    void secretIsReadableReadOnlyDuringTheStepAndAbsentFromTheUpper() throws IOException {
        Path secret = Files.writeString(dir.resolve("secret"), "s3cr3t");
        RunSpec spec = new RunSpec(overlay.merged(),
                sh("cat /run/secrets/token; echo; echo tampered > /run/secrets/token || echo refused"), PATH, "/", "",
                false, GENEROUS, 0, List.of(new BindMount(secret, "/run/secrets/token", true)), null, output);

        assertThat(sandbox.run(spec)).isZero();

        assertThat(output()).startsWith("s3cr3t\n").endsWith("refused\n");
        assertThat(Files.readString(secret)).isEqualTo("s3cr3t");
        assertThat(overlay.upper().resolve("run")).doesNotExist();
        assertThat(containsBytes(overlay.upper(), "s3cr3t")).isFalse();
    }

    @Test
    void cacheMountIsWritableAndItsContentStaysOutOfTheLayer() throws IOException {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        RunSpec spec = new RunSpec(overlay.merged(), sh("echo cached > /root/.cache/entry"), PATH, "/", "", false,
                GENEROUS, 0, List.of(new BindMount(cache, "/root/.cache", false)), null, output);

        assertThat(sandbox.run(spec)).isZero();

        assertThat(Files.readString(cache.resolve("entry"))).isEqualTo("cached\n");
        assertThat(overlay.upper().resolve("root")).doesNotExist();
    }

    @Test
    void withoutNetworkOnlyLoopbackExists() {
        assertThat(sandbox.run(step("cat /proc/net/dev"))).isZero();

        assertThat(interfaces(output())).containsExactly("lo");
    }

    @Test
    void withNetworkTheHostInterfacesAreVisible() throws IOException {
        RunSpec spec = new RunSpec(overlay.merged(), sh("cat /proc/net/dev"), PATH, "/", "", true, GENEROUS, 0,
                List.of(), null, output);

        assertThat(sandbox.run(spec)).isZero();

        assertThat(interfaces(output()))
                .containsExactlyInAnyOrderElementsOf(interfaces(Files.readString(Path.of("/proc/net/dev"))));
    }

    @Test
    void devProcAndSysAreSetUpLikeDocker() {
        String script = "ls /dev; echo ok > /dev/null && echo null-works; head -c 4 /dev/urandom | wc -c; "
                + "touch /sys/x 2>/dev/null || echo sys-read-only; grep -E 'NoNewPrivs|CapBnd' /proc/self/status; "
                + "echo nofile $(ulimit -n) $(ulimit -Hn)";

        assertThat(sandbox.run(step(script))).isZero();

        String out = output();
        assertThat(out.lines().toList()).contains("null", "zero", "full", "random", "urandom", "tty", "pts", "shm",
                "null-works", "4", "sys-read-only", "NoNewPrivs:\t1");
        String[] nofile = out.lines().filter(line -> line.startsWith("nofile ")).findFirst().orElseThrow().split(" ");
        assertThat(Long.parseLong(nofile[1])).isEqualTo(Long.parseLong(nofile[2])).isGreaterThanOrEqualTo(1024);
        // Docker's default capability set as a bit mask.
        assertThat(out).contains("CapBnd:\t00000000a80425fb");
    }

    @Test
    void outputStreamsWhileTheStepRuns() throws IOException {
        Path gate = Files.createDirectories(dir.resolve("gate"));
        // The step waits until the test has seen its first line: buffered output would never open the gate.
        OutputStream opener = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                output.write(b);
                if (output().contains("first\n") && !Files.exists(gate.resolve("open"))) {
                    Files.writeString(gate.resolve("open"), "");
                }
            }
        };
        RunSpec spec = new RunSpec(overlay.merged(),
                sh("echo first; while [ ! -e /gate/open ]; do sleep 0.05; done; echo second"), PATH, "/", "", false,
                GENEROUS, 0, List.of(new BindMount(gate, "/gate", true)), null, opener);

        assertThat(sandbox.run(spec)).isZero();

        assertThat(output()).isEqualTo("first\nsecond\n");
    }

    @Test
    void timeoutKillsTheContainerAndCleansUp() throws IOException {
        RunSpec spec = new RunSpec(overlay.merged(), sh("echo started; sleep 60"), PATH, "/", "", false,
                Duration.ofSeconds(1), 0, List.of(), null, output);

        assertThatThrownBy(() -> sandbox.run(spec)).isInstanceOf(SandboxTimeoutException.class);

        assertThat(output()).isEqualTo("started\n");
        assertThat(dir.resolve("state")).isEmptyDirectory();
        assertThat(TestRootfs.nonDirectories(overlay.upper())).isEmpty();
    }

    @Test
    void interruptingTheCallerKillsTheContainerAndCleansUp() throws Exception {
        RunSpec spec = new RunSpec(overlay.merged(), sh("echo started; sleep 60"), PATH, "/", "", false, GENEROUS, 0,
                List.of(), null, output);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                sandbox.run(spec);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        caller.start();
        while (!output().contains("started")) {
            Thread.sleep(10);
        }
        caller.interrupt();
        caller.join();

        assertThat(failure.get()).isInstanceOf(SandboxException.class).hasMessageContaining("interrupted");
        assertThat(dir.resolve("state")).isEmptyDirectory();
        assertThat(TestRootfs.nonDirectories(overlay.upper())).isEmpty();
    }

    @Test
    void memoryLimitStopsAHog() {
        assumeTrue(Files.isDirectory(Path.of("/sys/fs/cgroup/memory"))
                        || Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")),
                "no cgroup memory controller mounted");
        RunSpec spec = new RunSpec(overlay.merged(),
                sh("awk 'BEGIN { s = \"x\"; while (1) s = s s }'; echo status $?"), PATH, "/", "", false, GENEROUS,
                32L << 20, List.of(), null, output);

        assertThat(sandbox.run(spec)).isZero();

        // SIGKILL by the OOM killer: 128 + 9.
        assertThat(output()).contains("status 137");
    }

    @Test
    void missingExecutableFailsTheStepWithAClearMessage() throws IOException {
        RunSpec spec = new RunSpec(overlay.merged(), List.of("/no/such/tool"), PATH, "/", "", false, GENEROUS, 0,
                List.of(), null, output);

        assertThat(sandbox.run(spec)).isEqualTo(127);

        assertThat(output()).contains("/no/such/tool").contains("No such file or directory");
        assertThat(dir.resolve("state")).isEmptyDirectory();
        assertThat(TestRootfs.nonDirectories(overlay.upper())).isEmpty();
    }

    @Test
    void workingDirThroughASymlinkOutOfTheImageIsCreatedInsideIt() throws IOException {
        Path outside = dir.resolve("outside");
        Files.createSymbolicLink(lower.resolve("escape"), Path.of("../../../../../../../" + outside));
        RunSpec spec = new RunSpec(overlay.merged(), sh("pwd"), PATH, "/escape/work", "", false, GENEROUS, 0,
                List.of(), null, output);

        assertThat(sandbox.run(spec)).isZero();

        assertThat(outside).doesNotExist();
        assertThat(overlay.upper().resolve(outside.toString().substring(1) + "/work")).isDirectory();
    }

    @Test
    void mountTargetWithDotDotIsRefused() throws IOException {
        Path secret = Files.writeString(dir.resolve("secret"), "s");
        RunSpec spec = new RunSpec(overlay.merged(), sh("true"), PATH, "/", "", false, GENEROUS, 0,
                List.of(new BindMount(secret, "/run/../../etc/x", true)), null, output);

        assertThatThrownBy(() -> sandbox.run(spec)).isInstanceOf(SandboxException.class).hasMessageContaining("..");
    }

    @Test
    void hostPlatformNeedsNoEmulation() {
        RunSpec spec = new RunSpec(overlay.merged(), sh("echo native"), PATH, "/", "", false, GENEROUS, 0,
                List.of(), Platform.of("linux", "amd64"), output);
        assumeTrue(Binfmt.nativelySupported(spec.platform()), "this host is not amd64");

        assertThat(sandbox.run(spec)).isZero();
        assertThat(output()).isEqualTo("native\n");
    }

    private RunSpec step(String script) {
        return stepAs("", script);
    }

    private RunSpec stepAs(String user, String script) {
        return new RunSpec(overlay.merged(), sh(script), PATH, "/", user, false, GENEROUS, 0, List.of(), null, output);
    }

    private static List<String> sh(String script) {
        return List.of("/bin/sh", "-c", script);
    }

    private String output() {
        return output.toString(StandardCharsets.UTF_8);
    }

    private static List<String> interfaces(String procNetDev) {
        return procNetDev.lines().filter(line -> line.contains(":"))
                .map(line -> line.substring(0, line.indexOf(':')).strip()).toList();
    }

    private static boolean containsBytes(Path tree, String needle) throws IOException {
        byte[] wanted = needle.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> paths = Files.walk(tree)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    String content = new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1);
                    if (content.contains(new String(wanted, StandardCharsets.ISO_8859_1))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
