package io.stevedore.builder.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code dockerfile/every-instruction.Dockerfile} parses to exactly the expected records. */
class EveryInstructionDockerfileTest {

    private static Dockerfile dockerfile;

    @BeforeAll
    static void parse() throws IOException {
        try (InputStream in = EveryInstructionDockerfileTest.class.getResourceAsStream("/dockerfile/every-instruction.Dockerfile")) {
            dockerfile = Dockerfile.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void directivesAndGlobalArgs() {
        assertThat(dockerfile.directives()).containsExactly(Map.entry("syntax", "docker/dockerfile:1.7"),
                Map.entry("check", "skip=JSONArgsRecommended"), Map.entry("escape", "\\"));
        assertThat(dockerfile.escape()).isEqualTo('\\');
        assertThat(dockerfile.globalArgs()).containsExactly(
                new Instruction.Arg(6, "ARG GO_VERSION=1.22", List.of(new ArgDeclaration("GO_VERSION", "1.22"))),
                new Instruction.Arg(7, "ARG BASE=alpine:3.20", List.of(new ArgDeclaration("BASE", "alpine:3.20"))));
        assertThat(dockerfile.stages()).extracting(s -> s.name().orElse(null)).containsExactly("builder", "final", "minimal");
    }

    @Test
    void builderStage() {
        Stage builder = dockerfile.stage("builder").orElseThrow();
        assertThat(builder.from()).isEqualTo(new Instruction.From(9,
                "FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS Builder", "golang:${GO_VERSION}", "builder",
                "$BUILDPLATFORM"));
        String run = "RUN --mount=type=cache,id=gomod,target=/go/pkg/mod,sharing=locked     "
                + "--mount=type=secret,id=netrc,target=/root/.netrc,required     --network=default     go mod download";
        assertThat(builder.instructions()).containsExactly(
                new Instruction.Arg(10, "ARG TARGETOS TARGETARCH",
                        List.of(new ArgDeclaration("TARGETOS", null), new ArgDeclaration("TARGETARCH", null))),
                new Instruction.Workdir(11, "WORKDIR /src", "/src"),
                new Instruction.Copy(12, "COPY --link go.mod go.sum ./", List.of("go.mod", "go.sum"), "./", null, null,
                        null, true, false, List.of(), List.of()),
                new Instruction.Run(13, run, new Command(true, List.of("go mod download")),
                        List.of(new Mount("cache", Map.of("id", "gomod", "target", "/go/pkg/mod", "sharing", "locked")),
                                new Mount("secret", Map.of("id", "netrc", "target", "/root/.netrc", "required", "true"))),
                        "default", null, List.of()),
                new Instruction.Copy(17, "COPY . .", List.of("."), ".", null, null, null, false, false, List.of(), List.of()),
                new Instruction.Run(18, "RUN <<EOF", new Command(true, List.of("<<EOF")), List.of(), null, null,
                        List.of(new Heredoc("EOF",
                                "set -e\nGOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app ./cmd/app\n", true, false))));
    }

    @Test
    void finalStage() {
        Stage fin = dockerfile.stage("1").orElseThrow();
        assertThat(fin.from()).isEqualTo(new Instruction.From(23, "from ${BASE} as final", "${BASE}", "final", null));
        List<Instruction> expected = List.of(
                new Instruction.Maintainer(24, "MAINTAINER Stevedore Team <team@stevedore.invalid>",
                        "Stevedore Team <team@stevedore.invalid>"),
                new Instruction.Label(25, "LABEL org.opencontainers.image.title=\"Stevedore demo\"       "
                        + "org.opencontainers.image.version=1.0",
                        List.of(new KeyValue("org.opencontainers.image.title", "\"Stevedore demo\""),
                                new KeyValue("org.opencontainers.image.version", "1.0"))),
                new Instruction.Env(27, "ENV APP_HOME=/opt/app PATH=/opt/app/bin:$PATH",
                        List.of(new KeyValue("APP_HOME", "/opt/app"), new KeyValue("PATH", "/opt/app/bin:$PATH"))),
                new Instruction.Env(28, "ENV LEGACY legacy value", List.of(new KeyValue("LEGACY", "legacy value"))),
                new Instruction.Shell(29, "SHELL [\"/bin/sh\", \"-euc\"]", List.of("/bin/sh", "-euc")),
                new Instruction.User(30, "USER 0:0", "0:0"),
                new Instruction.Run(31, "RUN --network=none --security=sandbox addgroup -S app && adduser -S app -G app",
                        new Command(true, List.of("addgroup -S app && adduser -S app -G app")), List.of(), "none",
                        "sandbox", List.of()),
                new Instruction.Copy(32, "COPY --from=builder --chown=app:app --chmod=0755 /out/app ${APP_HOME}/bin/",
                        List.of("/out/app"), "${APP_HOME}/bin/", "builder", "app:app", "0755", false, false, List.of(),
                        List.of()),
                new Instruction.Copy(33, "COPY --parents --exclude=*.tmp --exclude=cache/ config/ ${APP_HOME}/",
                        List.of("config/"), "${APP_HOME}/", null, null, null, false, true, List.of("*.tmp", "cache/"),
                        List.of()),
                new Instruction.Copy(34, "COPY <<-\"CONF\" ${APP_HOME}/app.conf", List.of(), "${APP_HOME}/app.conf", null,
                        null, null, false, false, List.of(),
                        List.of(new Heredoc("CONF", "listen = :8080\nhome = $APP_HOME\n", false, true))),
                new Instruction.Add(38, "ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d"
                        + " --chown=app https://example.invalid/data.tar.gz /data/",
                        List.of("https://example.invalid/data.tar.gz"), "/data/", "app", null,
                        "sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d", false, false, List.of(),
                        List.of()),
                new Instruction.Add(39, "ADD --keep-git-dir=true https://example.invalid/repo.git#main /src/repo",
                        List.of("https://example.invalid/repo.git#main"), "/src/repo", null, null, null, true, false,
                        List.of(), List.of()),
                new Instruction.Add(40, "ADD --link [\"vendor files.tar\", \"/vendor/\"]", List.of("vendor files.tar"),
                        "/vendor/", null, null, null, false, true, List.of(), List.of()),
                new Instruction.Expose(41, "EXPOSE 8080/tcp 9090/udp", List.of("8080/tcp", "9090/udp")),
                new Instruction.Volume(42, "VOLUME [\"/data\", \"/logs\"]", List.of("/data", "/logs")),
                new Instruction.Volume(43, "VOLUME /cache", List.of("/cache")),
                new Instruction.Workdir(44, "WORKDIR $APP_HOME", "$APP_HOME"),
                new Instruction.User(45, "USER app", "app"),
                new Instruction.Healthcheck(46, "HEALTHCHECK --interval=30s --timeout=3s --start-period=5s "
                        + "--start-interval=1s --retries=3   CMD [\"wget\", \"-q\", \"-O-\", \"http://localhost:8080/health\"]",
                        new Command(false, List.of("wget", "-q", "-O-", "http://localhost:8080/health")),
                        "30s", "3s", "5s", "1s", "3"),
                new Instruction.StopSignal(48, "STOPSIGNAL SIGTERM", "SIGTERM"),
                new Instruction.Onbuild(49, "ONBUILD COPY . /app/src", "COPY . /app/src"),
                new Instruction.Onbuild(50, "onbuild RUN <<EOF", "RUN <<EOF\necho triggered\nEOF"),
                new Instruction.Entrypoint(53, "ENTRYPOINT [\"/opt/app/bin/app\"]",
                        new Command(false, List.of("/opt/app/bin/app"))),
                new Instruction.Cmd(54, "CMD [\"--serve\"]", new Command(false, List.of("--serve"))));
        assertThat(fin.instructions()).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(fin.instructions().get(i)).as("instruction %d", i).isEqualTo(expected.get(i));
        }
    }

    @Test
    void minimalStage() {
        Stage minimal = dockerfile.stage("MINIMAL").orElseThrow();
        assertThat(minimal.index()).isEqualTo(2);
        assertThat(minimal.from().isScratch()).isTrue();
        assertThat(minimal.instructions()).containsExactly(
                new Instruction.Copy(57, "COPY --from=final /opt/app/bin/app /app", List.of("/opt/app/bin/app"), "/app",
                        "final", null, null, false, false, List.of(), List.of()),
                new Instruction.Healthcheck(58, "HEALTHCHECK NONE", null, null, null, null, null, null),
                new Instruction.Entrypoint(59, "ENTRYPOINT /app", new Command(true, List.of("/app"))),
                new Instruction.Cmd(60, "CMD echo \"shell form\"", new Command(true, List.of("echo \"shell form\""))));
    }

    @Test
    void everyKindOfInstructionIsCovered() {
        Set<Class<?>> used = dockerfile.stages().stream().flatMap(s -> s.instructions().stream())
                .map(Object::getClass).collect(Collectors.toSet());
        used.add(Instruction.From.class);
        assertThat(used).containsExactlyInAnyOrder(Instruction.class.getPermittedSubclasses());
    }

    @Test
    void triggersAndValuesExpandAsTheExecutorWill() {
        Stage fin = dockerfile.stage("final").orElseThrow();
        Instruction.Onbuild onbuild = (Instruction.Onbuild) fin.instructions().get(21);
        assertThat(((Instruction.Run) onbuild.parsedTrigger()).heredocs().get(0).content()).isEqualTo("echo triggered\n");
        Instruction.Label label = (Instruction.Label) fin.instructions().get(1);
        assertThat(ShellWords.word(label.pairs().get(0).value(), n -> null, dockerfile.escape())).isEqualTo("Stevedore demo");
        Instruction.Copy copy = (Instruction.Copy) fin.instructions().get(7);
        assertThat(ShellWords.word(copy.destination(), Map.of("APP_HOME", "/opt/app")::get, '\\')).isEqualTo("/opt/app/bin/");
    }
}
