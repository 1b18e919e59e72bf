package io.stevedore.builder.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.Digest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cache keys of RUN and COPY steps, planned without running them: the same inputs give the same
 * key, and a change to any input the step's result depends on gives another one.
 */
class CacheKeyTest {
    @TempDir
    Path dir;
    private int builds;

    private Digest runKey(String dockerfile) throws IOException {
        return runKey(dockerfile, Map.of(), true);
    }

    /** The key of the last instruction of the last stage, a RUN. */
    private Digest runKey(String dockerfile, Map<String, String> buildArgs, boolean networkDefault) throws IOException {
        try (TestBuild build = TestBuild.of(dir.resolve("b" + builds++), dockerfile, buildArgs, null, networkDefault)) {
            String last = build.session.dockerfile.stages().getLast().name().orElse("" + (build.session.dockerfile.stages().size() - 1));
            int index = build.stage(last).instructions().size() - 1;
            return build.planRun(last, index).key();
        }
    }

    /** No two keys equal; a failure names the positions that collide. */
    private static void assertDistinct(List<Digest> keys) {
        List<String> collisions = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            for (int j = i + 1; j < keys.size(); j++) {
                if (keys.get(i).equals(keys.get(j))) {
                    collisions.add(i + "=" + j);
                }
            }
        }
        assertThat(collisions).as("keys at these positions are equal").isEmpty();
    }

    @Test
    void theSameDockerfileGivesTheSameRunKeyInAnotherBuild() throws IOException {
        String dockerfile = "FROM scratch\nENV A=1\nRUN echo hi\n";
        assertThat(runKey(dockerfile)).isEqualTo(runKey(dockerfile));
    }

    @Test
    void everyInputOfARunStepChangesItsKey() throws IOException {
        String base = "FROM scratch\nENV A=1\nRUN echo hi\n";
        List<Digest> keys = new ArrayList<>();
        keys.add(runKey(base));
        keys.add(runKey("FROM scratch\nENV A=1\nRUN echo ho\n"));                     // command text
        keys.add(runKey("FROM scratch\nENV A=1\nRUN [\"echo\", \"hi\"]\n"));            // exec form
        keys.add(runKey("FROM scratch\nENV A=2\nRUN echo hi\n"));                     // environment
        keys.add(runKey("FROM scratch\nENV A=1\nUSER nobody\nRUN echo hi\n"));       // user
        keys.add(runKey("FROM scratch\nENV A=1\nWORKDIR /src\nRUN echo hi\n"));      // working dir
        keys.add(runKey("FROM scratch\nENV A=1\nSHELL [\"/bin/bash\", \"-c\"]\nRUN echo hi\n")); // shell
        keys.add(runKey("FROM scratch\nENV A=1\nRUN --network=none echo hi\n"));     // network
        keys.add(runKey("FROM scratch\nENV A=1\nRUN --mount=type=cache,target=/root/.cache echo hi\n"));
        keys.add(runKey("FROM scratch\nENV A=1\nRUN --mount=type=cache,target=/var/cache echo hi\n"));
        keys.add(runKey("FROM scratch\nENV A=1\nRUN --mount=type=secret,id=token echo hi\n"));
        keys.add(runKey("FROM scratch\nENV A=1\nRUN --mount=type=tmpfs,target=/tmp echo hi\n"));
        keys.add(runKey("FROM scratch\nENV A=1\nRUN --mount=type=bind,source=src,target=/src echo hi\n"));
        keys.add(runKey("FROM scratch AS other\nFROM scratch\nENV A=1\nRUN --mount=from=other,target=/o echo hi\n"));
        keys.add(runKey("FROM --platform=linux/arm64 scratch AS other\nFROM scratch\nENV A=1\nRUN --mount=from=other,target=/o echo hi\n"));
        keys.add(runKey("FROM --platform=linux/arm64 scratch\nENV A=1\nRUN echo hi\n")); // base (platform)
        keys.add(runKey("FROM scratch\nENV A=1\nRUN <<EOF\necho hi\nEOF\n"));
        keys.add(runKey("FROM scratch\nENV A=1\nRUN <<EOF\n#!/bin/sh\necho hi\nEOF\n")); // a script
        assertDistinct(keys);
    }

    @Test
    void configInstructionsThatARunStepDoesNotSeeLeaveItsKeyAlone() throws IOException {
        Digest plain = runKey("FROM scratch\nENV A=1\nRUN echo hi\n");
        assertThat(runKey("FROM scratch\nLABEL any=thing\nEXPOSE 80\nCMD [\"x\"]\nENV A=1\nRUN echo hi\n")).isEqualTo(plain);
        // a mounted stage counts by its filesystem: its labels do not matter
        assertThat(runKey("FROM scratch AS other\nLABEL x=1\nFROM scratch\nRUN --mount=from=other,target=/o echo hi\n"))
                .isEqualTo(runKey("FROM scratch AS other\nLABEL x=2\nFROM scratch\nRUN --mount=from=other,target=/o echo hi\n"));
    }

    @Test
    void theNetworkCountsByItsEffectNotByHowItWasAskedFor() throws IOException {
        String base = "FROM scratch\nENV A=1\nRUN echo hi\n";
        assertThat(runKey(base, Map.of(), false)).isEqualTo(runKey("FROM scratch\nENV A=1\nRUN --network=none echo hi\n"))
                .isNotEqualTo(runKey(base));
        assertThat(runKey("FROM scratch\nENV A=1\nRUN --network=host echo hi\n")).isEqualTo(runKey(base));
    }

    @Test
    void buildArgsChangeTheKeyOnlyWhereADeclaredArgUsesThem() throws IOException {
        String declared = "FROM scratch\nENV A=1\nARG VERSION=1\nRUN echo hi\n";
        Digest byDefault = runKey(declared);
        assertThat(runKey(declared, Map.of("VERSION", "1"), true)).isEqualTo(byDefault);
        assertThat(runKey(declared, Map.of("VERSION", "2"), true)).isNotEqualTo(byDefault);
        String undeclared = "FROM scratch\nENV A=1\nRUN echo hi\n";
        assertThat(runKey(undeclared, Map.of("VERSION", "2"), true)).isEqualTo(runKey(undeclared));
    }

    @Test
    void secretValuesAreNeverPartOfTheKeyOnlyTheirId() throws IOException {
        String dockerfile = "FROM scratch\nRUN --mount=type=secret,id=token cat /run/secrets/token\n";
        try (TestBuild build = TestBuild.of(dir, dockerfile)) {
            RunStep.Plan plan = build.planRun("0", 0);
            assertThat(plan.createdBy()).isEqualTo("RUN --mount=type=secret /bin/sh -c cat /run/secrets/token # buildkit");
            assertThat(plan.argv()).containsExactly("/bin/sh", "-c", "cat /run/secrets/token");
        }
    }

    @Test
    void aRunStepsEnvironmentCarriesTheStagesArgsUnlessEnvShadowsThem() throws IOException {
        String dockerfile = "FROM scratch\nARG A=from-arg\nARG B=b\nENV A=from-env\nRUN env\n";
        try (TestBuild build = TestBuild.of(dir, dockerfile)) {
            RunStep.Plan plan = build.planRun("0", 3);
            assertThat(plan.env()).containsExactly("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "A=from-env", "B=b");
            assertThat(plan.createdBy()).isEqualTo("RUN |2 A=from-arg B=b /bin/sh -c env # buildkit");
        }
    }

    private Digest copyKey(Path context, String dockerfile) throws IOException {
        Path buildDir = dir.resolve("c" + builds++);
        copyTree(context, buildDir.resolve("context"));   // before the build opens its context (and reads .dockerignore)
        try (TestBuild build = TestBuild.of(buildDir, dockerfile)) {
            String last = build.session.dockerfile.stages().getLast().name().orElse("" + (build.session.dockerfile.stages().size() - 1));
            return build.copyKey(last, build.stage(last).instructions().size() - 1);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    @Test
    void aCopyKeyFollowsTheContentOfItsSourcesAndEveryOption() throws IOException {
        Path context = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(context.resolve("app.txt"), "one");
        Files.writeString(context.resolve("other.txt"), "unrelated");
        String copy = "FROM scratch\nCOPY app.txt /srv/\n";
        Digest key = copyKey(context, copy);
        assertThat(copyKey(context, copy)).isEqualTo(key);

        Files.writeString(context.resolve("other.txt"), "changed, but not copied");
        assertThat(copyKey(context, copy)).isEqualTo(key);

        List<Digest> keys = new ArrayList<>(List.of(key));
        keys.add(copyKey(context, "FROM scratch\nCOPY app.txt /opt/\n"));
        keys.add(copyKey(context, "FROM scratch\nWORKDIR /srv\nCOPY app.txt app.txt\n"));
        keys.add(copyKey(context, "FROM scratch\nCOPY --chown=1000 app.txt /srv/\n"));
        keys.add(copyKey(context, "FROM scratch\nCOPY --chmod=600 app.txt /srv/\n"));
        keys.add(copyKey(context, "FROM scratch\nCOPY --link app.txt /srv/\n"));
        keys.add(copyKey(context, "FROM scratch\nCOPY other.txt /srv/\n"));
        keys.add(copyKey(context, "FROM scratch\nCOPY *.txt /srv/\n"));
        keys.add(copyKey(context, "FROM scratch\nCOPY <<EOF /srv/app.txt\none\nEOF\n"));
        keys.add(copyKey(context, "FROM scratch AS other\nFROM scratch\nCOPY --from=other /app.txt /srv/\n"));
        keys.add(copyKey(context, "FROM --platform=linux/arm64 scratch AS other\nFROM scratch\nCOPY --from=other /app.txt /srv/\n"));
        Files.writeString(context.resolve("app.txt"), "two");
        keys.add(copyKey(context, copy));
        assertDistinct(keys);
    }

    @Test
    void aCopyKeyIgnoresWhatDockerignoreHides() throws IOException {
        Path context = Files.createDirectories(dir.resolve("ctx"));
        Files.createDirectories(context.resolve("src"));
        Files.writeString(context.resolve("src/main.c"), "int main;");
        Files.writeString(context.resolve(".dockerignore"), "src/*.log\n");
        String copy = "FROM scratch\nCOPY src /src\n";
        Digest key = copyKey(context, copy);
        Files.writeString(context.resolve("src/build.log"), "noise");
        assertThat(copyKey(context, copy)).isEqualTo(key);
        Files.writeString(context.resolve("src/util.c"), "int util;");
        assertThat(copyKey(context, copy)).isNotEqualTo(key);
    }
}
