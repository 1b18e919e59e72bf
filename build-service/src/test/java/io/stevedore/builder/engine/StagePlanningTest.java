package io.stevedore.builder.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stevedore.builder.dockerfile.Instruction;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which stages a build runs, in which order, and how ARG, ENV and ONBUILD carry between them: no root needed. */
class StagePlanningTest {
    @TempDir
    Path dir;

    private static final String FOUR_STAGES = """
            FROM scratch AS base
            LABEL stage=base
            FROM base AS middle
            LABEL stage=middle
            FROM scratch AS unrelated
            LABEL stage=unrelated
            FROM middle AS last
            LABEL stage=last
            """;

    @Test
    void aTargetRunsOnlyTheStagesItStandsOnDependenciesFirst() throws IOException {
        try (TestBuild build = TestBuild.of(dir, FOUR_STAGES, Map.of(), "middle")) {
            StageExecutor.StageResult result = build.target();
            assertThat(result.stage().name()).contains("middle");
            assertThat(build.steps()).containsExactly(
                    "[middle 1/2] FROM base",
                    "[base 1/2] FROM scratch",
                    "[base 2/2] LABEL stage=base",
                    "[middle 2/2] LABEL stage=middle");
        }
    }

    @Test
    void withoutATargetTheLastStageIsBuiltAndAStageUsedTwiceRunsOnce() throws IOException {
        String dockerfile = FOUR_STAGES + "FROM middle AS again\nLABEL stage=again\n";
        try (TestBuild build = TestBuild.of(dir, dockerfile)) {
            StageExecutor executor = build.executor();
            executor.stage(build.stage("last"));
            executor.target();
            assertThat(build.steps()).doesNotContain("[unrelated 1/2] FROM scratch", "[unrelated 2/2] LABEL stage=unrelated");
            assertThat(build.steps().stream().filter(s -> s.startsWith("[base ")).toList()).hasSize(2);
            assertThat(build.steps().getLast()).isEqualTo("[again 2/2] LABEL stage=again");
        }
    }

    @Test
    void aStageContinuesTheConfigAndHistoryOfTheStageItIsBuiltFrom() throws IOException {
        try (TestBuild build = TestBuild.of(dir, FOUR_STAGES)) {
            JsonNode config = TestBuild.json(build.target().config());
            assertThat(config.at("/config/Labels/stage").asString()).isEqualTo("last");
            List<String> history = createdBy(config);
            assertThat(history).containsExactly("LABEL stage=base", "LABEL stage=middle", "LABEL stage=last");
        }
    }

    @Test
    void unknownTargetsAndStagesUsedBeforeTheirDefinitionAreErrors() throws IOException {
        try (TestBuild build = TestBuild.of(dir, FOUR_STAGES, Map.of(), "nope")) {
            assertThatThrownBy(build::target).isInstanceOf(BuildException.class)
                    .hasMessage("target stage \"nope\" could not be found");
        }
        try (TestBuild build = TestBuild.of(dir.resolve("2"), "FROM scratch AS a\nFROM scratch AS b\n")) {
            assertThatThrownBy(() -> build.executor().stageNamed("b", 0)).isInstanceOf(BuildException.class)
                    .hasMessage("stage \"b\" is not defined before the stage that uses it");
            assertThat(build.executor().stageNamed("alpine:3", 1)).isNull();
        }
    }

    @Test
    void onbuildTriggersRunInTheChildStageOnlyBeforeItsOwnInstructions() throws IOException {
        String dockerfile = """
                FROM scratch AS base
                ONBUILD ENV FROM_TRIGGER=yes
                ONBUILD LABEL trigger=$FROM_TRIGGER
                FROM base AS child
                LABEL own=1
                FROM child AS grandchild
                """;
        try (TestBuild build = TestBuild.of(dir, dockerfile)) {
            StageExecutor executor = build.executor();
            JsonNode base = TestBuild.json(executor.stage(build.stage("base")).config());
            assertThat(base.at("/config/OnBuild").toString()).isEqualTo("[\"ENV FROM_TRIGGER=yes\",\"LABEL trigger=$FROM_TRIGGER\"]");
            assertThat(base.at("/config/Labels").isMissingNode() || base.at("/config/Labels").isNull()).isTrue();

            JsonNode child = TestBuild.json(executor.stage(build.stage("child")).config());
            assertThat(child.at("/config/Labels/trigger").asString()).isEqualTo("yes");
            assertThat(child.at("/config/OnBuild").isMissingNode() || child.at("/config/OnBuild").isNull()).isTrue();
            assertThat(createdBy(child)).containsExactly("ONBUILD ENV FROM_TRIGGER=yes", "ONBUILD LABEL trigger=$FROM_TRIGGER",
                    "ENV FROM_TRIGGER=yes", "LABEL trigger=yes", "LABEL own=1");
            assertThat(build.steps()).containsSubsequence("[child ONBUILD] ENV FROM_TRIGGER=yes",
                    "[child ONBUILD] LABEL trigger=$FROM_TRIGGER", "[child 2/2] LABEL own=1");

            // triggers fire one generation only: the grandchild inherits the result, not the triggers
            JsonNode grandchild = TestBuild.json(executor.stage(build.stage("grandchild")).config());
            assertThat(createdBy(grandchild)).hasSize(5);
        }
    }

    @Test
    void argsAreScopedToTheirStageAndInheritGlobalValuesOnlyWhenRedeclared() throws IOException {
        String dockerfile = """
                ARG VERSION=1.0
                ARG UNUSED
                FROM scratch AS declares
                ARG VERSION
                ENV SEEN=v$VERSION
                FROM scratch AS ignores
                ENV SEEN=v$VERSION
                FROM scratch AS overrides
                ARG VERSION=2.0
                ARG LOCAL=local
                ENV SEEN=v$VERSION-$LOCAL
                """;
        try (TestBuild build = TestBuild.of(dir, dockerfile)) {
            StageExecutor executor = build.executor();
            assertThat(env(executor.stage(build.stage("declares")))).contains("SEEN=v1.0");
            assertThat(env(executor.stage(build.stage("ignores")))).contains("SEEN=v");
            assertThat(env(executor.stage(build.stage("overrides")))).contains("SEEN=v2.0-local");
            assertThat(build.session.usedBuildArgs).isEmpty();
        }
    }

    @Test
    void buildArgsWinOverDefaultsOnlyWhereDeclaredAndAreRecordedAsUsed() throws IOException {
        String dockerfile = """
                ARG VERSION=1.0
                FROM scratch AS a
                ARG VERSION
                ARG OTHER=default
                ENV V=$VERSION O=$OTHER
                """;
        try (TestBuild build = TestBuild.of(dir, dockerfile, Map.of("VERSION", "9", "OTHER", "given", "NEVER", "x"), null)) {
            StageExecutor.StageResult result = build.target();
            assertThat(env(result)).contains("V=9", "O=given");
            assertThat(createdBy(TestBuild.json(result.config()))).containsExactly("ARG VERSION=9", "ARG OTHER=given", "ENV V=9 O=given");
            assertThat(build.session.usedBuildArgs).containsExactlyInAnyOrder("VERSION", "OTHER");
        }
    }

    @Test
    void envWinsOverAnArgOfTheSameNameAndLaterEnvPairsSeeEarlierOnes() throws IOException {
        String dockerfile = """
                FROM scratch
                ARG NAME=from-arg
                ENV NAME=from-env
                ENV A=$NAME B=${A}-b
                """;
        try (TestBuild build = TestBuild.of(dir, dockerfile)) {
            assertThat(env(build.target())).contains("NAME=from-env", "A=from-env", "B=from-env-b");
        }
    }

    @Test
    void predefinedPlatformArgsAreThereWhenDeclared() throws IOException {
        String dockerfile = """
                FROM --platform=$BUILDPLATFORM scratch
                ARG TARGETARCH
                ARG TARGETPLATFORM
                ENV ARCH=$TARGETARCH PLATFORM=$TARGETPLATFORM
                """;
        try (TestBuild build = TestBuild.of(dir, dockerfile)) {
            assertThat(env(build.target())).contains("ARCH=amd64", "PLATFORM=linux/amd64");
        }
    }

    @Test
    void fromInsideAStageAndLayerInstructionsAreNotConfigInstructions() throws IOException {
        try (TestBuild build = TestBuild.of(dir, "FROM scratch\n")) {
            StageExecutor executor = build.executor();
            StageState state = executor.runUpTo(build.session.dockerfile.stages().getFirst(), 0);
            ConfigInstructions config = new ConfigInstructions(Map.of(), build.session.usedBuildArgs, '\\', Map.of(), List.of());
            Instruction run = io.stevedore.builder.dockerfile.Dockerfile.parseInstruction("RUN true", 2);
            assertThatThrownBy(() -> config.apply(run, state, build.session.dockerfile.stages().getFirst()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RUN true");
        }
    }

    static List<String> env(StageExecutor.StageResult result) {
        return result.config().env();
    }

    static List<String> createdBy(JsonNode config) {
        List<String> all = new ArrayList<>();
        config.get("history").forEach(entry -> all.add(entry.get("created_by").asString()));
        return all;
    }
}
