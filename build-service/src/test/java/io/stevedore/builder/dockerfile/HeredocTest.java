package io.stevedore.builder.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class HeredocTest {

    private static List<Instruction> instructions(String afterFrom) {
        return Dockerfile.parse("FROM busybox\n" + afterFrom).stages().get(0).instructions();
    }

    @Test
    void runWithALoneHeredocKeepsTheMarkerAsTheCommand() {
        List<Instruction> all = instructions("RUN <<EOF\napt-get update\napt-get install -y vim\nEOF\nCMD x\n");
        Instruction.Run run = (Instruction.Run) all.get(0);
        assertThat(run.command()).isEqualTo(new Command(true, List.of("<<EOF")));
        assertThat(run.heredocs()).containsExactly(
                new Heredoc("EOF", "apt-get update\napt-get install -y vim\n", true, false));
        assertThat(run.line()).isEqualTo(2);
        assertThat(all.get(1).line()).isEqualTo(6);
    }

    @Test
    void runWithACommandFeedsTheBodyToIt() {
        Instruction.Run run = (Instruction.Run) instructions("RUN python3 <<EOF > /out\nprint('hi')\nEOF\n").get(0);
        assertThat(run.command().args()).containsExactly("python3 <<EOF > /out");
        assertThat(run.heredocs()).containsExactly(new Heredoc("EOF", "print('hi')\n", true, false));
    }

    @Test
    void dashChompsLeadingTabsOfBodyAndDelimiter() {
        Instruction.Run run = (Instruction.Run) instructions("RUN <<-EOT\n\techo a\n\t\techo b\n    spaces stay\n\tEOT\n").get(0);
        assertThat(run.heredocs()).containsExactly(new Heredoc("EOT", "echo a\necho b\n    spaces stay\n", true, true));
    }

    @Test
    void withoutDashAnIndentedDelimiterIsBodyText() {
        Instruction.Run run = (Instruction.Run) instructions("RUN <<EOT\n\tEOT\nEOT\n").get(0);
        assertThat(run.heredocs().get(0).content()).isEqualTo("\tEOT\n");
    }

    @Test
    void quotedDelimitersMeanNoExpansion() {
        assertThat(heredoc("RUN <<\"EOF\"\necho $HOME\nEOF\n")).isEqualTo(new Heredoc("EOF", "echo $HOME\n", false, false));
        assertThat(heredoc("RUN <<'EOF'\necho $HOME\nEOF\n").expand()).isFalse();
        assertThat(heredoc("RUN <<E\"O\"F\nx\nEOF\n")).isEqualTo(new Heredoc("EOF", "x\n", false, false));
        assertThat(heredoc("RUN <<-'EOF'\n\tx\nEOF\n")).isEqualTo(new Heredoc("EOF", "x\n", false, true));
        assertThat(heredoc("RUN <<EOF\nx\nEOF\n").expand()).isTrue();
    }

    private static Heredoc heredoc(String instruction) {
        Instruction.Run run = (Instruction.Run) instructions(instruction).get(0);
        assertThat(run.heredocs()).hasSize(1);
        return run.heredocs().get(0);
    }

    @Test
    void severalHeredocsOnOneLineAreReadInOrder() {
        Instruction.Run run = (Instruction.Run) instructions(
                "RUN cat <<FILE1 > file1 && cat <<FILE2 > file2\nI am\nfirst\nFILE1\nI am\nsecond\nFILE2\nCMD x\n").get(0);
        assertThat(run.heredocs()).containsExactly(
                new Heredoc("FILE1", "I am\nfirst\n", true, false),
                new Heredoc("FILE2", "I am\nsecond\n", true, false));
        assertThat(run.command().args()).containsExactly("cat <<FILE1 > file1 && cat <<FILE2 > file2");
    }

    @Test
    void fileDescriptorPrefixedHeredocsAreRecognised() {
        Instruction.Run run = (Instruction.Run) instructions("RUN cat 3<<EOF\nbody\nEOF\n").get(0);
        assertThat(run.heredocs()).containsExactly(new Heredoc("EOF", "body\n", true, false));
    }

    @Test
    void emptyBodyIsAllowed() {
        assertThat(heredoc("RUN <<EOF\nEOF\n").content()).isEmpty();
    }

    @Test
    void bodyLinesAreRawEvenWhenTheyLookLikeCommentsOrContinuations() {
        Heredoc body = heredoc("RUN <<EOF\n# not a comment\necho a \\\n\nFROM x\nEOF\n");
        assertThat(body.content()).isEqualTo("# not a comment\necho a \\\n\nFROM x\n");
    }

    @Test
    void heredocMarkersInsideQuotesAreNotHeredocs() {
        List<Instruction> all = instructions("RUN echo '<<EOF' \"<<EOF\"\nCMD x\n");
        assertThat(((Instruction.Run) all.get(0)).heredocs()).isEmpty();
        assertThat(all).hasSize(2);
    }

    @Test
    void jsonFormHasNoHeredocs() {
        List<Instruction> all = instructions("RUN [\"cat\", \"<<EOF\"]\nCMD x\n");
        assertThat(((Instruction.Run) all.get(0)).heredocs()).isEmpty();
        assertThat(all).hasSize(2);
    }

    @Test
    void otherInstructionsDoNotReadHeredocs() {
        List<Instruction> all = instructions("CMD cat <<EOF\nENV A=1\n");
        assertThat(all).hasSize(2);
    }

    @Test
    void heredocFollowsAContinuedInstructionLine() {
        Instruction.Run run = (Instruction.Run) instructions("RUN --network=none \\\n  bash <<EOF\necho hi\nEOF\n").get(0);
        assertThat(run.network()).isEqualTo("none");
        assertThat(run.command().args()).containsExactly("bash <<EOF");
        assertThat(run.heredocs()).containsExactly(new Heredoc("EOF", "echo hi\n", true, false));
    }

    @Test
    void copyHeredocBecomesAFileNamedByTheDelimiter() {
        Instruction.Copy copy = (Instruction.Copy) instructions(
                "COPY --chmod=755 <<run.sh <<'config' local.txt /app/\n#!/bin/sh\necho $GREETING\nrun.sh\nkey=$value\nconfig\n").get(0);
        assertThat(copy.heredocs()).containsExactly(
                new Heredoc("run.sh", "#!/bin/sh\necho $GREETING\n", true, false),
                new Heredoc("config", "key=$value\n", false, false));
        assertThat(copy.sources()).containsExactly("local.txt");
        assertThat(copy.destination()).isEqualTo("/app/");
        assertThat(copy.chmod()).isEqualTo("755");
    }

    @Test
    void addTakesHeredocsToo() {
        Instruction.Add add = (Instruction.Add) instructions("ADD <<EOF /etc/motd\nWelcome\nEOF\n").get(0);
        assertThat(add.heredocs()).containsExactly(new Heredoc("EOF", "Welcome\n", true, false));
        assertThat(add.sources()).isEmpty();
    }

    @Test
    void onbuildTriggerKeepsItsHeredocBodies() {
        Instruction.Onbuild onbuild = (Instruction.Onbuild) instructions("ONBUILD RUN <<EOF\necho built\nEOF\nCMD x\n").get(0);
        assertThat(onbuild.trigger()).isEqualTo("RUN <<EOF\necho built\nEOF");
        Instruction.Run trigger = (Instruction.Run) onbuild.parsedTrigger();
        assertThat(trigger.heredocs()).containsExactly(new Heredoc("EOF", "echo built\n", true, false));
        assertThat(trigger.command().args()).containsExactly("<<EOF");
    }

    @Test
    void anUnterminatedHeredocIsAnErrorAtItsInstruction() {
        assertThatThrownBy(() -> Dockerfile.parse("FROM a\n\nRUN <<EOF\necho hi\n"))
                .isInstanceOf(DockerfileException.class)
                .hasMessageStartingWith("Dockerfile:3: unterminated heredoc <<EOF");
    }

    @Test
    void theSecondOfTwoHeredocsMustBeTerminatedToo() {
        assertThatThrownBy(() -> Dockerfile.parse("FROM a\nRUN cat <<A <<B\na\nA\nb\n"))
                .hasMessageStartingWith("Dockerfile:2: unterminated heredoc <<B");
    }

    @Test
    void aHeredocCannotBeTheCopyDestination() {
        assertThatThrownBy(() -> Dockerfile.parse("FROM a\nCOPY src <<EOF\nx\nEOF\n"))
                .hasMessage("Dockerfile:2: the destination of COPY cannot be a heredoc: <<EOF");
    }

    @Test
    void expandedCopyHeredocBodiesUseHeredocRules() {
        Heredoc body = ((Instruction.Copy) instructions("COPY <<EOF /x\nhi \"$NAME\" \\$NAME\nEOF\n").get(0)).heredocs().get(0);
        assertThat(ShellWords.heredocBody(body.content(), n -> n.equals("NAME") ? "you" : null, '\\'))
                .isEqualTo("hi \"you\" $NAME\n");
    }
}
