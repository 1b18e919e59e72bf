package io.stevedore.builder.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every error names the line, in the form {@code Dockerfile:12: reason}. */
class ParserErrorsTest {

    private static DockerfileException error(String dockerfile) {
        return catchThrowableOfType(DockerfileException.class, () -> Dockerfile.parse(dockerfile));
    }

    @Test
    void unknownInstructionNamesItsLine() {
        String dockerfile = "FROM alpine\n" + "RUN true\n".repeat(10) + "FORM x\n";
        DockerfileException e = error(dockerfile);
        assertThat(e).hasMessage("Dockerfile:12: unknown instruction: FORM");
        assertThat(e.line()).isEqualTo(12);
        assertThat(e.reason()).isEqualTo("unknown instruction: FORM");
    }

    @Test
    void aMultiLineInstructionIsReportedAtItsFirstLine() {
        assertThat(error("FROM a\nRUN --bogus \\\n  echo\n")).hasMessageStartingWith("Dockerfile:2: unknown flag: --bogus");
    }

    @Test
    void missingFromIsAnError() {
        assertThat(error("")).hasMessageContaining("has no instructions");
        assertThat(error("# only a comment\n\n")).hasMessageContaining("has no instructions");
        assertThat(error("ARG A=1\nARG B\n")).hasMessageContaining("no FROM instruction");
    }

    @Test
    void onlyArgMayComeBeforeFrom() {
        assertThat(error("ARG A\nRUN echo\nFROM a\n")).hasMessage("Dockerfile:2: RUN before the first FROM: only ARG may come before FROM");
        assertThat(error("# c\nenv A=1\nFROM a\n")).hasMessageStartingWith("Dockerfile:2: ENV before the first FROM");
    }

    @Test
    void badJsonIsAnError() {
        assertThat(error("FROM a\nCMD [\"echo\", 'hi']\n")).hasMessageStartingWith("Dockerfile:2: invalid JSON array");
        assertThat(error("FROM a\nENTRYPOINT [\"a\" \"b\"]\n")).hasMessageStartingWith("Dockerfile:2: invalid JSON array");
        assertThat(error("FROM a\nRUN [\"a\",]\n")).hasMessageStartingWith("Dockerfile:2: invalid JSON array");
        assertThat(error("FROM a\nRUN [\"unterminated\n")).hasMessageStartingWith("Dockerfile:2: invalid JSON array");
        assertThat(error("FROM a\nCMD [\"a\", 1]\n"))
                .hasMessage("Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only");
        assertThat(error("FROM a\nCOPY [\"a\", [\"b\"]]\n")).hasMessageContaining("strings only");
        assertThat(error("FROM a\nSHELL /bin/bash -c\n")).hasMessageContaining("SHELL requires the arguments to be in JSON form");
        assertThat(error("FROM a\nSHELL []\n")).hasMessageContaining("SHELL requires at least one argument");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "RUN|RUN requires at least one argument",
        "CMD|CMD requires at least one argument",
        "ENTRYPOINT|ENTRYPOINT requires at least one argument",
        "ENV|ENV requires at least one argument",
        "ENV ONLYKEY|ENV must have two arguments",
        "ENV A=1 B|Syntax error - can't find = in \"B\"",
        "ENV =x|ENV names can not be blank",
        "LABEL|LABEL requires at least one argument",
        "ARG|ARG requires at least one argument",
        "ARG =x|ARG names can not be blank",
        "WORKDIR|WORKDIR requires exactly one argument",
        "USER|USER requires exactly one argument",
        "STOPSIGNAL|STOPSIGNAL requires exactly one argument",
        "MAINTAINER|MAINTAINER requires exactly one argument",
        "EXPOSE|EXPOSE requires at least one argument",
        "VOLUME|VOLUME requires at least one argument",
        "COPY|COPY requires at least two arguments, but only 0 were provided",
        "COPY onlysource|COPY requires at least two arguments, but only 1 was provided",
        "ADD x|ADD requires at least two arguments",
        "COPY [\"a\"]|COPY requires at least two arguments",
        "ONBUILD|ONBUILD requires at least one argument",
        "HEALTHCHECK|HEALTHCHECK requires an argument",
        "HEALTHCHECK CMD|Missing command after HEALTHCHECK CMD",
        "HEALTHCHECK NONE extra|HEALTHCHECK NONE takes no arguments",
        "HEALTHCHECK RUN x|Unknown type \"RUN\" in HEALTHCHECK (try CMD)",
        "FROM|FROM requires either one or three arguments",
        "FROM a b|FROM requires either one or three arguments",
        "FROM a AS|FROM requires either one or three arguments",
        "FROM a IS b|FROM requires either one or three arguments",
        "FROM a AS 1st|invalid name for build stage: \"1st\"",
        "FROM a AS my/stage|invalid name for build stage",
    })
    void missingOrMalformedArgumentsAreErrors(String instruction, String reason) {
        assertThat(error("FROM base\n" + instruction + "\n")).hasMessageStartingWith("Dockerfile:2: " + reason);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "RUN --rm echo|unknown flag: --rm",
        "COPY --checksum=sha256:x a b|unknown flag: --checksum",
        "ADD --from=x a b|unknown flag: --from",
        "CMD --help|unknown flag: --help (it takes no flags)",
        "ENV --x=1 A=1|unknown flag: --x",
        "COPY --from a b|missing a value on flag: --from",
        "COPY --from= --from=x a b|duplicate flag specified: --from",
        "COPY --link= a b|missing a value on flag: --link",
        "COPY --link=yes a b|expecting boolean value for flag --link, not: yes",
        "COPY --link --link a b|duplicate flag specified: --link",
        "RUN --network=bridge x|unsupported network mode \"bridge\"",
        "RUN --security=root x|unsupported security mode \"root\"",
        "HEALTHCHECK --interval=5 CMD x|--interval: invalid duration \"5\"",
        "HEALTHCHECK --timeout=10us CMD x|--timeout \"10us\" cannot be less than 1ms",
        "HEALTHCHECK --interval=-1s CMD x|--interval cannot be negative",
        "HEALTHCHECK --retries=-1 CMD x|--retries cannot be negative (-1)",
        "HEALTHCHECK --retries=many CMD x|--retries must be an integer",
        "HEALTHCHECK --retries CMD x|missing a value on flag: --retries",
        "FROM --platform a|missing a value on flag: --platform",
    })
    void unknownOrMalformedFlagsAreErrors(String instruction, String reason) {
        assertThat(error("FROM base\n" + instruction + "\n")).hasMessageStartingWith("Dockerfile:2: " + reason);
    }

    @Test
    void onbuildTriggersAreValidatedNow() {
        assertThat(error("FROM a\nONBUILD ONBUILD RUN x\n")).hasMessageContaining("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        assertThat(error("FROM a\nONBUILD FROM b\n")).hasMessageContaining("FROM isn't allowed as an ONBUILD trigger");
        assertThat(error("FROM a\nONBUILD MAINTAINER me\n")).hasMessageContaining("MAINTAINER isn't allowed as an ONBUILD trigger");
        assertThat(error("FROM a\nONBUILD FORM b\n")).hasMessage("Dockerfile:2: unknown instruction: FORM");
        assertThat(error("FROM a\nONBUILD COPY x\n")).hasMessageContaining("COPY requires at least two arguments");
    }

    @Test
    void parseInstructionReportsTheGivenLine() {
        assertThatThrownBy(() -> Dockerfile.parseInstruction("FORM x", 40)).hasMessage("Dockerfile:40: unknown instruction: FORM");
        assertThatThrownBy(() -> Dockerfile.parseInstruction("RUN a\nRUN b", 3)).hasMessageContaining("found several");
        assertThatThrownBy(() -> Dockerfile.parseInstruction("  ", 3)).hasMessage("Dockerfile:3: empty instruction");
    }

    @Test
    void directiveMistakesAreErrors() {
        assertThat(error("# escape=x\nFROM a\n")).hasMessage("Dockerfile:1: invalid escape token 'x' does not match ` or \\");
        assertThat(error("# syntax=a\n# syntax=b\nFROM a\n")).hasMessage("Dockerfile:2: only one syntax parser directive can be used");
    }

    @Test
    void duplicateStageNamesAreErrors() {
        assertThat(error("FROM a AS x\nFROM b AS X\n")).hasMessage("Dockerfile:2: duplicate stage name \"x\"");
    }

    @Test
    void badMountsAreErrors() {
        assertThat(error("FROM a\nRUN --mount=type=nfs,target=/x x\n")).hasMessageContaining("unsupported mount type \"nfs\"");
        assertThat(error("FROM a\nRUN --mount=type=cache x\n")).hasMessageContaining("mount type=cache requires a target");
        assertThat(error("FROM a\nRUN --mount=target=/x,colour=red x\n")).hasMessageContaining("unexpected key 'colour' in 'colour=red'");
        assertThat(error("FROM a\nRUN --mount=type=bind,target=/x,sharing=locked x\n"))
                .hasMessageContaining("invalid cache sharing set for bind mount");
        assertThat(error("FROM a\nRUN --mount=type=cache,target=/x,sharing=sometimes x\n"))
                .hasMessageContaining("unsupported sharing value \"sometimes\"");
        assertThat(error("FROM a\nRUN --mount=type=cache,target=/x,mode=999 x\n")).hasMessageContaining("invalid value 999 for mode");
        assertThat(error("FROM a\nRUN --mount=type=cache,target=/x,uid=me x\n")).hasMessageContaining("invalid value me for uid");
        assertThat(error("FROM a\nRUN --mount=type=bind,target=/x,required x\n")).hasMessageContaining("unexpected key 'required'");
        assertThat(error("FROM a\nRUN --mount=type=bind,target=/x,ro=maybe x\n")).hasMessageContaining("invalid value for ro: maybe");
    }
}
