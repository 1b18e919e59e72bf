package io.stevedore.builder.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunMountTest {

    private static List<Mount> mounts(String flags) {
        Instruction.Run run = (Instruction.Run) Dockerfile.parse("FROM a\nRUN " + flags + " true\n")
                .stages().get(0).instructions().get(0);
        return run.mounts();
    }

    @Test
    void typeDefaultsToBind() {
        assertThat(mounts("--mount=target=/src")).containsExactly(new Mount("bind", Map.of("target", "/src")));
    }

    @Test
    void optionsKeepTheirOrderAndRawValues() {
        Mount cache = mounts("--mount=type=cache,id=gomod-${TARGETARCH},target=/go/pkg/mod,sharing=locked,mode=0755,uid=1000,gid=1000")
                .get(0);
        assertThat(cache.type()).isEqualTo("cache");
        assertThat(cache.options().keySet()).containsExactly("id", "target", "sharing", "mode", "uid", "gid");
        assertThat(cache.option("id")).isEqualTo("gomod-${TARGETARCH}");
    }

    @Test
    void aliasKeysAreNormalised() {
        Mount bind = mounts("--mount=type=bind,from=builder,src=/out,dst=/in,ro").get(0);
        assertThat(bind.options()).containsExactly(Map.entry("from", "builder"), Map.entry("source", "/out"),
                Map.entry("target", "/in"), Map.entry("readonly", "true"));
        assertThat(mounts("--mount=type=bind,destination=/in,rw").get(0).options())
                .containsExactly(Map.entry("target", "/in"), Map.entry("readonly", "false"));
        assertThat(mounts("--mount=type=bind,target=/in,readwrite=true").get(0).option("readonly")).isEqualTo("false");
        assertThat(mounts("--mount=type=bind,target=/in,readonly=false").get(0).option("readonly")).isEqualTo("false");
    }

    @Test
    void secretsAndSshNeedNoTarget() {
        assertThat(mounts("--mount=type=secret,id=aws,required").get(0))
                .isEqualTo(new Mount("secret", Map.of("id", "aws", "required", "true")));
        assertThat(mounts("--mount=type=secret,id=token,env=TOKEN").get(0).option("env")).isEqualTo("TOKEN");
        assertThat(mounts("--mount=type=ssh").get(0)).isEqualTo(new Mount("ssh", Map.of()));
    }

    @Test
    void severalMountsInOrder() {
        List<Mount> mounts = mounts("--mount=type=tmpfs,target=/tmp,size=64m --mount=type=cache,target=/var/cache/apt");
        assertThat(mounts).extracting(Mount::type).containsExactly("tmpfs", "cache");
        assertThat(mounts.get(0).option("size")).isEqualTo("64m");
    }

    @Test
    void typeMayComeLastAndIsCaseInsensitive() {
        assertThat(mounts("--mount=target=/x,TYPE=Cache").get(0).type()).isEqualTo("cache");
    }

    @Test
    void quotedFieldsMayHoldCommas() {
        assertThat(mounts("--mount='type=bind,\"source=a,b\",target=/x'").get(0).option("source")).isEqualTo("a,b");
    }

    @Test
    void numericOptionsHoldingVariablesAreLeftForTheExecutor() {
        assertThat(mounts("--mount=type=cache,target=/x,uid=$UID").get(0).option("uid")).isEqualTo("$UID");
    }
}
