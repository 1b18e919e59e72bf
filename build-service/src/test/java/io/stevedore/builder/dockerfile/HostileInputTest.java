package io.stevedore.builder.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Dockerfiles come from users of a shared build service: inputs built to exhaust the stack or to
 * make matching backtrack get a clear error or a prompt answer, never a crash.
 */
class HostileInputTest {

    @Test
    void deeplyNestedSubstitutionsAreRefused() {
        String nested = "${A:-".repeat(10_000) + "x" + "}".repeat(10_000);
        assertThatThrownBy(() -> ShellWords.word(nested, n -> null, '\\'))
                .isInstanceOf(ShellWords.ExpansionException.class)
                .hasMessageContaining("nested more than 100 deep");
        assertThat(ShellWords.word("${A:-".repeat(50) + "x" + "}".repeat(50), n -> null, '\\')).isEqualTo("x");
    }

    @Test
    void patternsWithManyStarsDoNotBacktrack() {
        Function<String, String> lookup = Map.of("V", "a".repeat(20_000))::get;
        String stars = "*a".repeat(30) + "*b";
        assertThat(ShellWords.word("${V#" + stars + "}", lookup, '\\')).hasSize(20_000);
        assertThat(ShellWords.word("${V%" + stars + "}", lookup, '\\')).hasSize(20_000);
        assertThat(ShellWords.word("${V##" + "*a".repeat(30) + "}", lookup, '\\')).isEmpty();
    }

    @Test
    void longLinesOfEscapesAndSpacesParseInLinearTime() {
        String escapes = "\\ ".repeat(200_000);
        Dockerfile df = Dockerfile.parse("# syntax=x" + " ".repeat(200_000) + "y\nFROM a\nRUN echo " + escapes + "end\n");
        assertThat(df.directives().get("syntax")).startsWith("x").endsWith("y");
        assertThat(((Instruction.Run) df.stages().get(0).instructions().get(0)).command().args().get(0)).hasSize(5 + escapes.length() + 3);
    }

    @Test
    void deeplyNestedJsonIsNotExecForm() {
        Instruction.Cmd cmd = (Instruction.Cmd) Dockerfile.parse("FROM a\nCMD " + "[".repeat(5000) + "\n")
                .stages().get(0).instructions().get(0);
        assertThat(cmd.command().shellForm()).isTrue();
    }

    @Test
    void binaryGarbageIsAnErrorNotACrash() {
        assertThatThrownBy(() -> Dockerfile.parse("\u0000\u0001\u00ff\uFFFD garbage\n"))
                .isInstanceOf(DockerfileException.class)
                .hasMessageStartingWith("Dockerfile:1: unknown instruction:");
    }
}
