package io.stevedore.builder.worker;

import io.stevedore.builder.engine.BuildRequest;
import io.stevedore.builder.host.HostPlatform;
import io.stevedore.json.Json;
import io.stevedore.oci.Platform;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JobBuildRequestTest {
    private static final String JOB = """
            {"build":17,"attempt":2,"heartbeatSeconds":3,
             "tags":["alice/app:1","alice/app:latest"],"cacheRepository":"alice/app/buildcache",
             "context":"/api/v1/worker/jobs/17/context?attempt=2",
             "dockerfile":"docker/Dockerfile","buildArgs":{"VERSION":"1"},"target":"release",
             "platforms":["linux/amd64","linux/arm64"],"noCache":true,
             "labels":{"org.opencontainers.image.source":"https://example.com/app"},
             "secrets":{"npmrc":"dG9wIHNlY3JldA=="},
             "credentials":{"username":"build@17","password":"pw-17"}}""";

    @Test
    void aJobBecomesTheEngineRequestForThisRegistry() throws Exception {
        Job job = Job.fromJson(Json.MAPPER.readTree(JOB));
        Path context = Path.of("/work/jobs/x/context");
        BuildRequest request = JobBuildRequest.of(job, "127.0.0.1:5000", context, context.resolve("docker/Dockerfile"),
                Map.of("npmrc", Path.of("/work/jobs/x/secrets/secret-0")));

        assertThat(request.tags()).extracting(Object::toString)
                .containsExactly("127.0.0.1:5000/alice/app:1", "127.0.0.1:5000/alice/app:latest");
        assertThat(request.cacheRepository().registry()).isEqualTo("127.0.0.1:5000");
        assertThat(request.cacheRepository().repository().value()).isEqualTo("alice/app/buildcache");
        assertThat(request.platforms()).containsExactly(Platform.of("linux", "amd64"), Platform.of("linux", "arm64"));
        assertThat(request.buildArgs()).containsExactly(Map.entry("VERSION", "1"));
        assertThat(request.target()).isEqualTo("release");
        assertThat(request.noCache()).isTrue();
        assertThat(request.labels()).containsEntry("org.opencontainers.image.source", "https://example.com/app");
        assertThat(request.secrets()).containsExactly(
                Map.entry("npmrc", BuildRequest.SecretSource.file(Path.of("/work/jobs/x/secrets/secret-0"))));
        assertThat(request.networkDefault()).isTrue();
        assertThat(request.context()).isEqualTo(context);
        assertThat(job.secret("npmrc")).isEqualTo("top secret".getBytes(StandardCharsets.UTF_8));
        assertThat(job.heartbeatSeconds()).isEqualTo(3);
        assertThat(job.credentials().username()).isEqualTo("build@17");
    }

    @Test
    void noPlatformsMeansTheWorkersOwnAndNoCacheRepositoryTheEnginesDefault() throws Exception {
        Job job = Job.fromJson(Json.MAPPER.readTree("""
                {"build":1,"attempt":1,"tags":["app:1"],"git":{"url":"https://example.com/r.git","ref":"main"}}"""));
        BuildRequest request = JobBuildRequest.of(job, "registry.example.com", Path.of("/c"), Path.of("/c/Dockerfile"), Map.of());

        assertThat(request.platforms()).containsExactly(HostPlatform.current());
        assertThat(request.cacheRepository()).isNull();
        assertThat(request.tags()).extracting(Object::toString).containsExactly("registry.example.com/app:1");
        assertThat(job.dockerfile()).isEqualTo("Dockerfile");
        assertThat(job.git()).isEqualTo(new Job.GitSource("https://example.com/r.git", "main", null, null));
        assertThat(job.credentials()).isNull();
    }

    @Test
    void secretValuesNeverShowInTextForms() throws Exception {
        Job job = Job.fromJson(Json.MAPPER.readTree(JOB));
        assertThat(job.toString()).doesNotContain("dG9wIHNlY3JldA==").doesNotContain("pw-17").contains("npmrc");
        assertThat(List.of(job.credentials()).toString()).doesNotContain("pw-17");
    }
}
