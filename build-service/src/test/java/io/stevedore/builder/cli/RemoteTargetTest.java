package io.stevedore.builder.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RemoteTargetTest {
    private final RemoteTarget local = RemoteTarget.parse("http://127.0.0.1:5000/");

    @Test
    void tagsAreRepositoryTagInThatRegistry() {
        assertThat(local.host()).isEqualTo("127.0.0.1:5000");
        assertThat(local.repositoryTag("alice/app:1")).isEqualTo("alice/app:1");
        assertThat(local.repositoryTag("app")).isEqualTo("app:latest");
        assertThat(local.repositoryTag("127.0.0.1:5000/alice/app:1")).isEqualTo("alice/app:1");
        assertThat(RemoteTarget.parse("https://registry.example.com").repositoryTag("registry.example.com/team/app:2"))
                .isEqualTo("team/app:2");
    }

    @Test
    void anotherRegistryOrADigestIsRefused() {
        assertThatThrownBy(() -> local.repositoryTag("registry.example.com/alice/app:1"))
                .hasMessageContaining("names registry registry.example.com")
                .hasMessageContaining("remote builds push only to 127.0.0.1:5000");
        assertThatThrownBy(() -> local.repositoryTag("localhost:5000/alice/app:1"))
                .hasMessageContaining("names registry localhost:5000");
        assertThatThrownBy(() -> local.repositoryTag("alice/app@sha256:" + "a".repeat(64)))
                .hasMessageContaining("has a digest");
        assertThatThrownBy(() -> RemoteTarget.parse("ftp://host")).hasMessageContaining("http:// or https://");
    }

    @Test
    void secretsGoOnlyOverTlsOrLoopback() {
        assertThat(RemoteTarget.parse("https://registry.example.com").safeForSecrets()).isTrue();
        assertThat(RemoteTarget.parse("http://127.0.0.1:5000").safeForSecrets()).isTrue();
        assertThat(RemoteTarget.parse("http://127.8.9.10:5000").safeForSecrets()).isTrue();
        assertThat(RemoteTarget.parse("http://localhost:5000").safeForSecrets()).isTrue();
        assertThat(RemoteTarget.parse("http://[::1]:5000").safeForSecrets()).isTrue();
        assertThat(RemoteTarget.parse("http://10.0.0.5:5000").safeForSecrets()).isFalse();
        assertThat(RemoteTarget.parse("http://registry.example.com").safeForSecrets()).isFalse();
        assertThat(RemoteTarget.parse("http://localhost.example.com").safeForSecrets()).isFalse();
    }
}
