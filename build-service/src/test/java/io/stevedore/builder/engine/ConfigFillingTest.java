package io.stevedore.builder.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image config and history that config-only instructions produce, as Docker (BuildKit) fills them. */
class ConfigFillingTest {
    @TempDir
    Path dir;

    private JsonNode build(String dockerfile) throws IOException {
        try (TestBuild build = TestBuild.of(dir, dockerfile)) {
            return TestBuild.json(build.target().config());
        }
    }

    @Test
    void everyConfigInstructionFillsItsFieldAndAddsAnEmptyLayerHistoryEntry() throws IOException {
        JsonNode image = build("""
                FROM scratch
                MAINTAINER someone@example.com
                ENV APP_HOME=/srv/app LANG=C.UTF-8
                LABEL org.opencontainers.image.title="demo app" version=1
                WORKDIR $APP_HOME
                WORKDIR sub/../data
                USER 1000:1000
                EXPOSE 8080 53/UDP
                VOLUME ["/cache", "/logs"]
                STOPSIGNAL SIGTERM
                HEALTHCHECK --interval=30s --timeout=5s --start-period=1m --retries=3 CMD curl -f http://localhost/ || exit 1
                SHELL ["/bin/bash", "-eu", "-c"]
                ENTRYPOINT ["/app"]
                CMD serve --port 8080
                ONBUILD RUN echo child
                """);
        assertThat(image.get("architecture").asString()).isEqualTo("amd64");
        assertThat(image.get("os").asString()).isEqualTo("linux");
        assertThat(image.get("author").asString()).isEqualTo("someone@example.com");
        assertThat(image.at("/rootfs/diff_ids").size()).isZero();
        JsonNode config = image.get("config");
        assertThat(config.get("Env").toString())
                .isEqualTo("[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"APP_HOME=/srv/app\",\"LANG=C.UTF-8\"]");
        assertThat(config.get("Labels").toString()).isEqualTo("{\"org.opencontainers.image.title\":\"demo app\",\"version\":\"1\"}");
        assertThat(config.get("WorkingDir").asString()).isEqualTo("/srv/app/data");
        assertThat(config.get("User").asString()).isEqualTo("1000:1000");
        assertThat(config.get("ExposedPorts").toString()).isEqualTo("{\"8080/tcp\":{},\"53/udp\":{}}");
        assertThat(config.get("Volumes").toString()).isEqualTo("{\"/cache\":{},\"/logs\":{}}");
        assertThat(config.get("StopSignal").asString()).isEqualTo("SIGTERM");
        assertThat(config.get("Healthcheck").toString()).isEqualTo("{\"Test\":[\"CMD-SHELL\",\"curl -f http://localhost/ || exit 1\"],"
                + "\"Interval\":30000000000,\"Timeout\":5000000000,\"StartPeriod\":60000000000,\"Retries\":3}");
        assertThat(config.get("Shell").toString()).isEqualTo("[\"/bin/bash\",\"-eu\",\"-c\"]");
        assertThat(config.get("Entrypoint").toString()).isEqualTo("[\"/app\"]");
        // shell-form CMD is wrapped in the SHELL in force, never expanded by the builder
        assertThat(config.get("Cmd").toString()).isEqualTo("[\"/bin/bash\",\"-eu\",\"-c\",\"serve --port 8080\"]");
        assertThat(config.get("OnBuild").toString()).isEqualTo("[\"RUN echo child\"]");

        assertThat(StagePlanningTest.createdBy(image)).containsExactly(
                "MAINTAINER someone@example.com",
                "ENV APP_HOME=/srv/app LANG=C.UTF-8",
                "LABEL org.opencontainers.image.title=demo app version=1",
                "WORKDIR /srv/app",
                "WORKDIR /srv/app/data",
                "USER 1000:1000",
                "EXPOSE map[8080/tcp:{} 53/udp:{}]",
                "VOLUME [\"/cache\",\"/logs\"]",
                "STOPSIGNAL SIGTERM",
                "HEALTHCHECK &{[\"CMD-SHELL\",\"curl -f http://localhost/ || exit 1\"]}",
                "SHELL [\"/bin/bash\",\"-eu\",\"-c\"]",
                "ENTRYPOINT [\"/app\"]",
                "CMD [\"/bin/bash\",\"-eu\",\"-c\",\"serve --port 8080\"]",
                "ONBUILD RUN echo child");
        for (JsonNode entry : image.get("history")) {
            assertThat(entry.get("empty_layer").asBoolean()).isTrue();
            assertThat(entry.get("comment").asString()).isEqualTo("buildkit.dockerfile.v0");
            assertThat(entry.get("created").asString()).isEqualTo(Instant.EPOCH.toString());
        }
    }

    @Test
    void envReplacesAKeyInPlaceAndKeepsTheRestInOrder() throws IOException {
        JsonNode image = build("""
                FROM scratch
                ENV A=1 B=2
                ENV PATH=/opt/bin:$PATH A=3
                """);
        assertThat(image.at("/config/Env").toString()).isEqualTo(
                "[\"PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"A=3\",\"B=2\"]");
        assertThat(StagePlanningTest.createdBy(image).getLast())
                .isEqualTo("ENV PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin A=3");
    }

    @Test
    void anEntrypointClearsAnInheritedCmdButNotOneSetEarlierInTheSameStage() throws IOException {
        JsonNode inherited = build("""
                FROM scratch AS base
                CMD ["base-cmd"]
                FROM base
                ENTRYPOINT ["/entry"]
                """);
        assertThat(inherited.at("/config/Cmd").isNull() || inherited.at("/config/Cmd").isMissingNode()).isTrue();

        JsonNode own = build("""
                FROM scratch
                CMD ["own-cmd"]
                ENTRYPOINT ["/entry"]
                """);
        assertThat(own.at("/config/Cmd").toString()).isEqualTo("[\"own-cmd\"]");
    }

    @Test
    void healthcheckNoneAndExecFormAndDefaults() throws IOException {
        assertThat(build("FROM scratch\nHEALTHCHECK CMD [\"/probe\", \"-q\"]\n").at("/config/Healthcheck").toString())
                .isEqualTo("{\"Test\":[\"CMD\",\"/probe\",\"-q\"]}");
        JsonNode none = build("FROM scratch\nHEALTHCHECK CMD /probe\nHEALTHCHECK NONE\n");
        assertThat(none.at("/config/Healthcheck").toString()).isEqualTo("{\"Test\":[\"NONE\"]}");
        assertThat(StagePlanningTest.createdBy(none).getLast()).isEqualTo("HEALTHCHECK NONE");
    }

    @Test
    void anEmptyVolumeAfterExpansionIsAnErrorNamingTheLine() throws IOException {
        assertThatThrownBy(() -> build("FROM scratch\nENV EMPTY=\nVOLUME $EMPTY\n"))
                .isInstanceOf(BuildException.class).hasMessage("Dockerfile:3: VOLUME specified can not be an empty string");
    }

    @Test
    void aRebuildGivesTheSameConfigHistoryTimesIncluded() throws IOException {
        JsonNode first = build("FROM scratch\nLABEL a=b\n");
        JsonNode second = build("FROM scratch\nLABEL a=b\n");
        assertThat(first).isEqualTo(second);
    }
}
