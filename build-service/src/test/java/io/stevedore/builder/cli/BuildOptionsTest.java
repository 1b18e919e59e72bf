package io.stevedore.builder.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stevedore.builder.engine.BuildRequest;
import io.stevedore.builder.host.HostPlatform;
import io.stevedore.oci.Platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local build's command line into a BuildRequest: no engine, no root. */
class BuildOptionsTest {
    @TempDir
    Path cwd;

    private BuildOptions parse(Map<String, String> environment, String... args) throws IOException {
        Files.createDirectories(cwd.resolve("app"));
        return BuildOptions.parse(args, environment, cwd);
    }

    @Test
    void defaultsComeFromTheContextTheHostAndTheEnvironment() throws IOException {
        BuildOptions options = parse(Map.of("HOME", "/home/me", "SOURCE_DATE_EPOCH", "1700000000"),
                "-t", "registry.local:5000/team/app:1", "app");
        BuildRequest request = options.request();
        assertThat(request.context()).isEqualTo(cwd.resolve("app"));
        assertThat(request.dockerfile()).isEqualTo(cwd.resolve("app/Dockerfile"));
        assertThat(request.platforms()).containsExactly(HostPlatform.current());
        assertThat(request.sourceDateEpoch()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
        assertThat(request.stepTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(request.networkDefault()).isTrue();
        assertThat(options.workDir).isEqualTo(Path.of("/home/me/.cache/stevedore-build"));
    }

    @Test
    void everyOptionReachesTheRequest() throws IOException {
        Map<String, String> environment = new HashMap<>(Map.of("FROM_ENV", "env-value"));
        BuildOptions options = parse(environment, "app", "--tag=registry.local/team/app:1", "-f", "app/Other.Dockerfile",
                "--build-arg", "A=1", "--build-arg", "FROM_ENV", "--build-arg", "UNSET", "--target", "final",
                "--platform", "linux/x86_64,linux/arm64/v8", "--label", "team=core", "--network=none", "--no-cache",
                "--step-timeout", "90s", "--memory", "512m", "--cache-repo", "registry.local/team/cache");
        BuildRequest request = options.request();
        assertThat(request.dockerfile()).isEqualTo(cwd.resolve("app/Other.Dockerfile"));
        Map<String, String> expectedArgs = new HashMap<>(Map.of("A", "1", "FROM_ENV", "env-value"));
        expectedArgs.put("UNSET", null);   // given but unset: the engine falls back to the ARG's own value
        assertThat(request.buildArgs()).isEqualTo(expectedArgs);
        assertThat(request.target()).isEqualTo("final");
        assertThat(request.platforms()).containsExactly(Platform.of("linux", "amd64"), Platform.of("linux", "arm64"));
        assertThat(request.labels()).containsEntry("team", "core");
        assertThat(request.networkDefault()).isFalse();
        assertThat(request.noCache()).isTrue();
        assertThat(request.stepTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(request.stepMemoryBytes()).isEqualTo(512L * 1024 * 1024);
        assertThat(request.cacheRepository().repository().value()).isEqualTo("team/cache");
    }

    @Test
    void badValuesAreRefusedWithTheOptionNamed() {
        assertThatThrownBy(() -> parse(Map.of(), "app")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one -t");
        assertThatThrownBy(() -> parse(Map.of(), "-t", "r/a:1", "--network", "bridge", "app"))
                .hasMessage("--network must be default, host or none");
        assertThatThrownBy(() -> parse(Map.of(), "-t", "r/a:1", "--step-timeout", "soon", "app"))
                .hasMessageContaining("invalid duration soon");
        assertThatThrownBy(() -> parse(Map.of(), "-t", "r/a:1", "--memory", "lots", "app"))
                .hasMessageContaining("invalid memory size lots");
        assertThatThrownBy(() -> parse(Map.of(), "-t", "r/a:1", "--platform", "a/b/c/d", "app"))
                .hasMessageContaining("invalid platform");
        assertThatThrownBy(() -> parse(Map.of(), "-t", "r/a:1", "--frobnicate", "x", "app"))
                .hasMessage("unknown option --frobnicate");
        assertThatThrownBy(() -> parse(Map.of("SOURCE_DATE_EPOCH", "yesterday"), "-t", "r/a:1", "app"))
                .hasMessageContaining("SOURCE_DATE_EPOCH must be seconds");
    }

    @Test
    void defaultPlatformIsTheHostsWhenNoneIsAsked() throws IOException {
        assertThat(parse(Map.of(), "-t", "r/a:1", "app").platforms).isEqualTo(List.of(HostPlatform.current()));
    }
}
