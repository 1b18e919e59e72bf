package io.stevedore.builder.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DockerfileParserTest {

    private static List<Instruction> instructions(String dockerfile) {
        return Dockerfile.parse(dockerfile).stages().get(0).instructions();
    }

    private static Instruction only(String instructionAfterFrom) {
        List<Instruction> all = instructions("FROM scratch\n" + instructionAfterFrom + "\n");
        assertThat(all).hasSize(1);
        return all.get(0);
    }

    @Test
    void fromKeepsImageAliasAndPlatformRaw() {
        Dockerfile df = Dockerfile.parse("FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS Build\nFROM scratch\n");
        Instruction.From from = df.stages().get(0).from();
        assertThat(from).isEqualTo(new Instruction.From(1, "FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS Build",
                "golang:${GO_VERSION}", "build", "$BUILDPLATFORM"));
        assertThat(df.stages().get(0).name()).contains("build");
        assertThat(df.stages().get(1).from().isScratch()).isTrue();
        assertThat(df.stages().get(1).name()).isEmpty();
    }

    @Test
    void instructionNamesAreCaseInsensitive() {
        List<Instruction> all = instructions("from alpine as Base\nrun echo hi\nCmd [\"sh\"]\nworkDir /app\n");
        assertThat(all).hasSize(3);
        assertThat(all.get(0)).isInstanceOf(Instruction.Run.class);
        assertThat(all.get(1)).isInstanceOf(Instruction.Cmd.class);
        assertThat(((Instruction.Workdir) all.get(2)).path()).isEqualTo("/app");
    }

    @Test
    void stagesAreFoundByNameOrIndex() {
        Dockerfile df = Dockerfile.parse("FROM alpine AS builder\nRUN make\nFROM scratch AS final\nCOPY --from=builder /a /a\n");
        assertThat(df.stages()).hasSize(2);
        assertThat(df.stage("BUILDER").map(Stage::index)).contains(0);
        assertThat(df.stage("final").map(Stage::index)).contains(1);
        assertThat(df.stage("1").map(Stage::index)).contains(1);
        assertThat(df.stage("2")).isEmpty();
        assertThat(df.stage("missing")).isEmpty();
        assertThat(df.stage("0").orElseThrow().instructions()).hasSize(1);
    }

    @Test
    void argsBeforeTheFirstFromAreGlobal() {
        Dockerfile df = Dockerfile.parse("ARG VERSION=1.0\nARG BASE\nFROM alpine:${VERSION}\nARG VERSION\nRUN echo $VERSION\n");
        assertThat(df.globalArgs()).hasSize(2);
        assertThat(df.globalArgs().get(0).declarations()).containsExactly(new ArgDeclaration("VERSION", "1.0"));
        assertThat(df.globalArgs().get(1).declarations()).containsExactly(new ArgDeclaration("BASE", null));
        assertThat(df.stages().get(0).instructions().get(0)).isEqualTo(new Instruction.Arg(4, "ARG VERSION",
                List.of(new ArgDeclaration("VERSION", null))));
    }

    @Test
    void argDeclaresSeveralNamesWithRawDefaults() {
        Instruction.Arg arg = (Instruction.Arg) only("ARG A B=2 C=\"x y\" D= E='$F'");
        assertThat(arg.declarations()).containsExactly(new ArgDeclaration("A", null), new ArgDeclaration("B", "2"),
                new ArgDeclaration("C", "\"x y\""), new ArgDeclaration("D", ""), new ArgDeclaration("E", "'$F'"));
    }

    @Test
    void envKeepsQuotedValuesRawAndSupportsTheLegacyForm() {
        Instruction.Env env = (Instruction.Env) only("ENV A=1 B=\"two words\" C=three\\ words D=${A}");
        assertThat(env.pairs()).containsExactly(new KeyValue("A", "1"), new KeyValue("B", "\"two words\""),
                new KeyValue("C", "three\\ words"), new KeyValue("D", "${A}"));
        Instruction.Env legacy = (Instruction.Env) only("ENV PATH /usr/local/bin:$PATH  and more");
        assertThat(legacy.pairs()).containsExactly(new KeyValue("PATH", "/usr/local/bin:$PATH  and more"));
    }

    @Test
    void labelPairsMayHaveQuotedKeys() {
        Instruction.Label label = (Instruction.Label) only("LABEL \"com.example.vendor\"=\"ACME Inc\" version=1.0 multi.label=\"a=b\"");
        assertThat(label.pairs()).containsExactly(new KeyValue("\"com.example.vendor\"", "\"ACME Inc\""),
                new KeyValue("version", "1.0"), new KeyValue("multi.label", "\"a=b\""));
    }

    @Test
    void runCmdAndEntrypointHaveShellAndExecForms() {
        assertThat(((Instruction.Run) only("RUN apt-get update && apt-get install -y curl")).command())
                .isEqualTo(new Command(true, List.of("apt-get update && apt-get install -y curl")));
        assertThat(((Instruction.Run) only("RUN [\"/bin/bash\", \"-c\", \"echo hi\"]")).command())
                .isEqualTo(new Command(false, List.of("/bin/bash", "-c", "echo hi")));
        assertThat(((Instruction.Cmd) only("CMD [\"nginx\", \"-g\", \"daemon off;\"]")).command())
                .isEqualTo(new Command(false, List.of("nginx", "-g", "daemon off;")));
        assertThat(((Instruction.Entrypoint) only("ENTRYPOINT exec top -b")).command())
                .isEqualTo(new Command(true, List.of("exec top -b")));
        assertThat(((Instruction.Cmd) only("CMD []")).command()).isEqualTo(new Command(false, List.of()));
    }

    @Test
    void jsonStringsDecodeEscapes() {
        Instruction.Cmd cmd = (Instruction.Cmd) only("CMD [\"echo\", \"a\\\"b\", \"\\u00e9\\n\", \"$HOME\"]");
        assertThat(cmd.command().args()).containsExactly("echo", "a\"b", "é\n", "$HOME");
    }

    @Test
    void textThatIsNotAJsonArrayIsShellForm() {
        // The shell's test command: a bracket then a space, never JSON.
        assertThat(((Instruction.Run) only("RUN [ -f /etc/os-release ] && echo yes")).command().shellForm()).isTrue();
        assertThat(((Instruction.Run) only("RUN [ -f /x ]")).command())
                .isEqualTo(new Command(true, List.of("[ -f /x ]")));
    }

    @Test
    void shellIsAlwaysJson() {
        assertThat(((Instruction.Shell) only("SHELL [\"powershell\", \"-command\"]")).shell())
                .containsExactly("powershell", "-command");
    }

    @Test
    void runFlagsAreParsed() {
        Instruction.Run run = (Instruction.Run) only(
                "RUN --mount=type=cache,target=/root/.cache --network=none --security=insecure pip install .");
        assertThat(run.mounts()).containsExactly(new Mount("cache", Map.of("target", "/root/.cache")));
        assertThat(run.network()).isEqualTo("none");
        assertThat(run.security()).isEqualTo("insecure");
        assertThat(run.command().args()).containsExactly("pip install .");
        assertThat(run.source()).isEqualTo(
                "RUN --mount=type=cache,target=/root/.cache --network=none --security=insecure pip install .");
    }

    @Test
    void copyFlagsAndSources() {
        Instruction.Copy copy = (Instruction.Copy) only(
                "COPY --from=builder --chown=app:app --chmod=0755 --link --parents --exclude=*.md --exclude=tmp "
                        + "src/ *.go go.mod /app/");
        assertThat(copy.sources()).containsExactly("src/", "*.go", "go.mod");
        assertThat(copy.destination()).isEqualTo("/app/");
        assertThat(copy.from()).isEqualTo("builder");
        assertThat(copy.chown()).isEqualTo("app:app");
        assertThat(copy.chmod()).isEqualTo("0755");
        assertThat(copy.link()).isTrue();
        assertThat(copy.parents()).isTrue();
        assertThat(copy.excludes()).containsExactly("*.md", "tmp");
        assertThat(copy.heredocs()).isEmpty();
    }

    @Test
    void copyJsonFormAllowsSpacesInPaths() {
        Instruction.Copy copy = (Instruction.Copy) only("COPY [\"my file.txt\", \"other file\", \"/dest dir/\"]");
        assertThat(copy.sources()).containsExactly("my file.txt", "other file");
        assertThat(copy.destination()).isEqualTo("/dest dir/");
        assertThat(copy.link()).isFalse();
        assertThat(copy.from()).isNull();
    }

    @Test
    void booleanFlagsAcceptExplicitValues() {
        assertThat(((Instruction.Copy) only("COPY --link=false a b")).link()).isFalse();
        assertThat(((Instruction.Copy) only("COPY --link=TRUE a b")).link()).isTrue();
    }

    @Test
    void flagValuesHaveTheirQuotesRemoved() {
        Instruction.Copy copy = (Instruction.Copy) only("COPY --chown=\"user name\" a b");
        assertThat(copy.chown()).isEqualTo("user name");
        assertThat(copy.sources()).containsExactly("a");
    }

    @Test
    void doubleDashEndsTheFlags() {
        Instruction.Run run = (Instruction.Run) only("RUN -- --not-a-flag");
        assertThat(run.command().args()).containsExactly("--not-a-flag");
    }

    @Test
    void addFlags() {
        Instruction.Add add = (Instruction.Add) only(
                "ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d --chown=1:2 "
                        + "--chmod=644 --keep-git-dir --link --exclude=x https://example.com/a.tar.gz /opt/");
        assertThat(add.checksum()).startsWith("sha256:2445");
        assertThat(add.chown()).isEqualTo("1:2");
        assertThat(add.chmod()).isEqualTo("644");
        assertThat(add.keepGitDir()).isTrue();
        assertThat(add.link()).isTrue();
        assertThat(add.excludes()).containsExactly("x");
        assertThat(add.sources()).containsExactly("https://example.com/a.tar.gz");
        assertThat(add.destination()).isEqualTo("/opt/");
    }

    @Test
    void exposeVolumeUserWorkdirStopsignalMaintainer() {
        assertThat(((Instruction.Expose) only("EXPOSE 80/tcp  443 ${PORT}/udp")).ports())
                .containsExactly("80/tcp", "443", "${PORT}/udp");
        assertThat(((Instruction.Volume) only("VOLUME /data /logs")).paths()).containsExactly("/data", "/logs");
        assertThat(((Instruction.Volume) only("VOLUME [\"/var/lib/my data\"]")).paths()).containsExactly("/var/lib/my data");
        assertThat(((Instruction.User) only("USER app:staff")).user()).isEqualTo("app:staff");
        assertThat(((Instruction.Workdir) only("WORKDIR /path with/spaces")).path()).isEqualTo("/path with/spaces");
        assertThat(((Instruction.StopSignal) only("STOPSIGNAL SIGKILL")).signal()).isEqualTo("SIGKILL");
        assertThat(((Instruction.Maintainer) only("MAINTAINER Jane Doe <jane@example.com>")).name())
                .isEqualTo("Jane Doe <jane@example.com>");
    }

    @Test
    void healthcheckWithOptionsOrNone() {
        Instruction.Healthcheck hc = (Instruction.Healthcheck) only(
                "HEALTHCHECK --interval=5m --timeout=3s --start-period=1m30s --start-interval=500ms --retries=3 "
                        + "CMD curl -f http://localhost/ || exit 1");
        assertThat(hc).isEqualTo(new Instruction.Healthcheck(2, hc.source(),
                new Command(true, List.of("curl -f http://localhost/ || exit 1")), "5m", "3s", "1m30s", "500ms", "3"));
        Instruction.Healthcheck exec = (Instruction.Healthcheck) only("healthcheck cmd [\"/bin/check\", \"--quick\"]");
        assertThat(exec.test()).isEqualTo(new Command(false, List.of("/bin/check", "--quick")));
        assertThat(exec.interval()).isNull();
        assertThat(((Instruction.Healthcheck) only("HEALTHCHECK NONE")).test()).isNull();
    }

    @Test
    void onbuildKeepsItsTriggerAsTextThatParsesLater() {
        Instruction.Onbuild onbuild = (Instruction.Onbuild) only("ONBUILD COPY --chown=app . /src");
        assertThat(onbuild.trigger()).isEqualTo("COPY --chown=app . /src");
        Instruction trigger = onbuild.parsedTrigger();
        assertThat(trigger).isInstanceOf(Instruction.Copy.class);
        assertThat(((Instruction.Copy) trigger).chown()).isEqualTo("app");
        assertThat(Dockerfile.parseInstruction("RUN echo hi", 7).line()).isEqualTo(7);
    }

    @Test
    void sourceIsTheInstructionAsWrittenWithContinuationsJoined() {
        Instruction.Run run = (Instruction.Run) only("RUN apt-get update && \\\n    apt-get install -y \\\n      curl");
        assertThat(run.source()).isEqualTo("RUN apt-get update &&     apt-get install -y       curl");
        assertThat(run.command().args()).containsExactly("apt-get update &&     apt-get install -y       curl");
        assertThat(run.line()).isEqualTo(2);
    }

    @Test
    void linesAreNumberedFromOneCountingCommentsBlanksAndContinuations() {
        Dockerfile df = Dockerfile.parse("# comment\n\nFROM alpine\nRUN a \\\n  b\n\n# c\nENV X=1\n");
        List<Instruction> all = df.stages().get(0).instructions();
        assertThat(df.stages().get(0).from().line()).isEqualTo(3);
        assertThat(all.get(0).line()).isEqualTo(4);
        assertThat(all.get(1).line()).isEqualTo(8);
    }

    @Test
    void windowsLineEndingsAndByteOrderMarkAreAccepted() {
        Dockerfile df = Dockerfile.parse("\uFEFFFROM alpine\r\nRUN echo a \\\r\n  b\r\nCMD [\"x\"]\r\n");
        List<Instruction> all = df.stages().get(0).instructions();
        assertThat(((Instruction.Run) all.get(0)).command().args()).containsExactly("echo a   b");
        assertThat(((Instruction.Cmd) all.get(1)).command().args()).containsExactly("x");
    }

    @Test
    void directivesComeOnlyFromTheTopOfTheFile() {
        Dockerfile df = Dockerfile.parse("# syntax=docker/dockerfile:1\n# check=skip=all\n#escape=\\\nFROM alpine\n");
        assertThat(df.directives()).containsExactly(Map.entry("syntax", "docker/dockerfile:1"),
                Map.entry("check", "skip=all"), Map.entry("escape", "\\"));
        Dockerfile late = Dockerfile.parse("# a comment\n# syntax=ignored\nFROM alpine\n");
        assertThat(late.directives()).isEmpty();
        Dockerfile afterBlank = Dockerfile.parse("\n# escape=`\nFROM alpine\nRUN a \\\n b\n");
        assertThat(afterBlank.escape()).isEqualTo('\\');
        Dockerfile unknownFirst = Dockerfile.parse("# foo=bar\n# escape=`\nFROM alpine\n");
        assertThat(unknownFirst.directives()).isEmpty();
    }

    @Test
    void directiveNamesAreCaseInsensitiveAndSpacingIsFree() {
        Dockerfile df = Dockerfile.parse("#  SYNTAX =  docker/dockerfile:1.7  \nFROM alpine\n");
        assertThat(df.directives()).containsExactly(Map.entry("syntax", "docker/dockerfile:1.7"));
    }
}
