package io.stevedore.builder.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Continuation lines, comments and blank lines inside them, and the backtick escape directive. */
class LineContinuationTest {

    private static Instruction.Run run(String dockerfile) {
        return (Instruction.Run) Dockerfile.parse(dockerfile).stages().get(0).instructions().get(0);
    }

    @Test
    void escapeAtEndOfLineJoinsWithoutInsertingAnything() {
        assertThat(run("FROM a\nRUN echo foo\\\nbar\n").command().args()).containsExactly("echo foobar");
    }

    @Test
    void trailingWhitespaceAfterTheEscapeStillContinues() {
        assertThat(run("FROM a\nRUN echo a \\  \t\n  b\n").command().args()).containsExactly("echo a   b");
    }

    @Test
    void commentLinesInsideAContinuationAreDropped() {
        Instruction.Run run = run("FROM a\nRUN apt-get update \\\n# a comment\n    # indented comment\n && apt-get install x\n");
        assertThat(run.command().args()).containsExactly("apt-get update  && apt-get install x");
    }

    @Test
    void emptyAndBlankLinesInsideAContinuationAreSkipped() {
        Instruction.Run run = run("FROM a\nRUN echo a \\\n\n   \n  b\nCMD x\n");
        assertThat(run.command().args()).containsExactly("echo a   b");
    }

    @Test
    void anEscapedEscapeAtEndOfLineIsNotAContinuation() {
        List<Instruction> all = Dockerfile.parse("FROM a\nRUN echo \\\\\nCMD x\n").stages().get(0).instructions();
        assertThat(all).hasSize(2);
        assertThat(((Instruction.Run) all.get(0)).command().args()).containsExactly("echo \\\\");
    }

    @Test
    void aLoneEscapeOnALineContinues() {
        assertThat(run("FROM a\nRUN echo a \\\n\\\n b\n").command().args()).containsExactly("echo a  b");
    }

    @Test
    void continuationAtEndOfFileEndsTheInstruction() {
        assertThat(run("FROM a\nRUN echo a \\").command().args()).containsExactly("echo a");
    }

    @Test
    void hashInsideAnInstructionIsNotAComment() {
        assertThat(run("FROM a\nRUN echo hi # not a comment\n").command().args())
                .containsExactly("echo hi # not a comment");
    }

    @Test
    void backtickEscapeDirectiveMakesBackslashesOrdinary() {
        Dockerfile df = Dockerfile.parse("# escape=`\nFROM mcr.microsoft.com/windows\nCOPY testfile.txt c:\\\nRUN dir c:\\ `\n  && echo done\n");
        assertThat(df.escape()).isEqualTo('`');
        List<Instruction> all = df.stages().get(0).instructions();
        Instruction.Copy copy = (Instruction.Copy) all.get(0);
        assertThat(copy.destination()).isEqualTo("c:\\");
        assertThat(((Instruction.Run) all.get(1)).command().args()).containsExactly("dir c:\\   && echo done");
    }

    @Test
    void backtickEscapeAppliesToEnvWords() {
        Dockerfile df = Dockerfile.parse("# escape=`\nFROM a\nENV A=x` y B=c:\\dir\n");
        Instruction.Env env = (Instruction.Env) df.stages().get(0).instructions().get(0);
        assertThat(env.pairs()).containsExactly(new KeyValue("A", "x` y"), new KeyValue("B", "c:\\dir"));
        assertThat(ShellWords.word(env.pairs().get(0).value(), n -> null, df.escape())).isEqualTo("x y");
    }

    @Test
    void continuationsInsideQuotedEnvValuesAreJoinedFirst() {
        Instruction.Env env = (Instruction.Env) Dockerfile.parse("FROM a\nENV A=\"one \\\n two\" B=3\n")
                .stages().get(0).instructions().get(0);
        assertThat(env.pairs()).containsExactly(new KeyValue("A", "\"one  two\""), new KeyValue("B", "3"));
    }
}
