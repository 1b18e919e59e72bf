package io.stevedore.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DigestTest {

    @Test
    void sha256AndSha512Parse() {
        Digest d = Digest.sha256("abc".getBytes());
        assertThat(Digest.parse(d.toString())).isEqualTo(d);
        Digest s = Digest.of("sha512", "abc".getBytes());
        assertThat(s.hex()).hasSize(128);
        assertThat(Digest.parse(s.toString())).isEqualTo(s);
    }

    @Test
    void malformedDigestsAreRejected() {
        for (String bad : new String[] {"sha256:abc", "md5:" + "a".repeat(32), "sha256:" + "A".repeat(64),
                "sha256", ":" + "a".repeat(64), "sha256:../../" + "a".repeat(58), "sha256:" + "g".repeat(64)}) {
            assertThatThrownBy(() -> Digest.parse(bad)).as(bad).isInstanceOf(InvalidDigestException.class);
        }
    }

    @Test
    void repositoryNamesFollowTheSpecGrammar() {
        for (String ok : new String[] {"a", "library/busybox", "a-b/c__d/e.f", "a--b/0"}) {
            assertThat(RepositoryName.of(ok).value()).isEqualTo(ok);
        }
        for (String bad : new String[] {"", "A", "a/", "/a", "a//b", "../a", "a/../b", "a_-b", ".a", "a.",
                "a b", "a" + "/b".repeat(200)}) {
            assertThatThrownBy(() -> RepositoryName.of(bad)).as(bad).isInstanceOf(InvalidNameException.class);
        }
    }

    @Test
    void tagsFollowTheSpecGrammar() {
        assertThat(Tag.isValid("v1.0_rc-1")).isTrue();
        assertThat(Tag.isValid("_x")).isTrue();
        assertThat(Tag.isValid(".x")).isFalse();
        assertThat(Tag.isValid("-x")).isFalse();
        assertThat(Tag.isValid("a".repeat(129))).isFalse();
    }
}
