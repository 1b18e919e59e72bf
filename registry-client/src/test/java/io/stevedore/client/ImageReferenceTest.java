package io.stevedore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stevedore.oci.Digest;
import io.stevedore.oci.InvalidDigestException;
import io.stevedore.oci.InvalidNameException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Normalisation as docker does it; the cases are those of moby's reference package (normalize_test.go). */
class ImageReferenceTest {
    private static final String DIGEST = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";

    @ParameterizedTest
    @CsvSource({
            "redis,                                   docker.io/library/redis:latest",
            "redis:latest,                            docker.io/library/redis:latest",
            "docker.io/library/redis:latest,          docker.io/library/redis:latest",
            "dmcgowan/myapp,                          docker.io/dmcgowan/myapp:latest",
            "docker.io/mcgowan/myapp:latest,          docker.io/mcgowan/myapp:latest",
            "fooo/bar,                                docker.io/fooo/bar:latest",
            "index.docker.io/fooo/bar,                docker.io/fooo/bar:latest",
            "library/ubuntu,                          docker.io/library/ubuntu:latest",
            "index.docker.io/debian,                  docker.io/library/debian:latest",
            "docker.io/debian,                        docker.io/library/debian:latest",
            "other/library,                           docker.io/other/library:latest",
            "library/foo/bar,                         docker.io/library/foo/bar:latest",
            "store/foo/bar,                           docker.io/store/foo/bar:latest",
            "ubuntu-12.04-base,                       docker.io/library/ubuntu-12.04-base:latest",
            "127.0.0.1:8000/private/moonbase,         127.0.0.1:8000/private/moonbase:latest",
            "127.0.0.1:8000/privatebase,              127.0.0.1:8000/privatebase:latest",
            "example.com/private/moonbase,            example.com/private/moonbase:latest",
            "example.com:8000/privatebasee,           example.com:8000/privatebasee:latest",
            "test.com/foo,                            test.com/foo:latest",
            "test_com/foo,                            docker.io/test_com/foo:latest",
            "test-com:8080/foo,                       test-com:8080/foo:latest",
            "xn--n3h.com:18080/foo,                   xn--n3h.com:18080/foo:latest",
            "localhost/foo,                           localhost/foo:latest",
            "localhost:5000/foo/bar:1.0,              localhost:5000/foo/bar:1.0",
            "[::1]:5000/foo,                          [::1]:5000/foo:latest",
            "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a, "
                    + "docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:latest",
            "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9, "
                    + "docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9:latest",
            "docker---rules/docker,                   docker.io/docker---rules/docker:latest",
            "dock__er/docker,                         docker.io/dock__er/docker:latest",
            "d/docker,                                docker.io/d/docker:latest",
    })
    void namesAreNormalisedAsDockerDoes(String text, String canonical) {
        assertThat(ImageReference.parse(text, ImageReference.DOCKER_HUB).toString()).isEqualTo(canonical);
    }

    @Test
    void aDigestAloneMeansNoTagAndIsWhatIsPulled() {
        ImageReference reference = ImageReference.parse("redis@" + DIGEST, ImageReference.DOCKER_HUB);
        assertThat(reference.tag()).isNull();
        assertThat(reference.digest()).isEqualTo(Digest.parse(DIGEST));
        assertThat(reference.reference()).isEqualTo(DIGEST);
        assertThat(reference).hasToString("docker.io/library/redis@" + DIGEST);
    }

    @Test
    void tagAndDigestAreBothKeptAndTheDigestWinsForPulls() {
        ImageReference reference = ImageReference.parse("busybox:latest@" + DIGEST, ImageReference.DOCKER_HUB);
        assertThat(reference.tag()).isEqualTo("latest");
        assertThat(reference.reference()).isEqualTo(DIGEST);
        assertThat(reference).hasToString("docker.io/library/busybox:latest@" + DIGEST);
    }

    @Test
    void aNameWithoutRegistryLivesOnTheDefaultRegistryWithoutTheLibraryPrefixElsewhere() {
        ImageReference reference = ImageReference.parse("app:1", "registry.example.com:5000");
        assertThat(reference.registry()).isEqualTo("registry.example.com:5000");
        assertThat(reference.repository().value()).isEqualTo("app");
        assertThat(ImageReference.parse("team/app", "127.0.0.1:5000")).hasToString("127.0.0.1:5000/team/app:latest");
        assertThat(ImageReference.parse("ghcr.io/o/a", "127.0.0.1:5000").registry()).isEqualTo("ghcr.io");
        assertThat(ImageReference.parse("alpine", null)).hasToString("docker.io/library/alpine:latest");
    }

    @Test
    void anUpperCaseFirstComponentIsARegistryAsInCurrentDocker() {
        ImageReference reference = ImageReference.parse("Registry/app", ImageReference.DOCKER_HUB);
        assertThat(reference.registry()).isEqualTo("Registry");
        assertThat(reference.repository().value()).isEqualTo("app");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "https://github.com/docker/docker", "docker/Docker", "-docker", "-docker/docker",
            "-docker.io/docker/docker", "docker///docker", "docker.io/docker/Docker", "docker.io/docker///docker",
            "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "docker-/docker", "-docker-/docker",
            "____/____", "_docker/_docker", "dock..er/docker", "dock_.er/docker", "dock-.er/docker", "docker/", "",
            "ubuntu:-bad", "ubuntu:", "ubuntu:a b", "../etc/passwd", "foo/../bar",
            "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_"
                    + "because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater"
                    + "_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker",
    })
    void invalidNamesAreRefusedWithAnInvalidNameException(String text) {
        assertThatThrownBy(() -> ImageReference.parse(text, ImageReference.DOCKER_HUB))
                .isInstanceOf(InvalidNameException.class);
    }

    @Test
    void aMalformedDigestIsRefused() {
        assertThatThrownBy(() -> ImageReference.parse("redis@sha256:abc", ImageReference.DOCKER_HUB))
                .isInstanceOf(InvalidDigestException.class);
        assertThatThrownBy(() -> ImageReference.parse("redis@md5:" + "0".repeat(32), ImageReference.DOCKER_HUB))
                .isInstanceOf(InvalidDigestException.class);
    }

    @Test
    void withTagAndWithDigestDeriveReferencesOfTheSameRepository() {
        ImageReference base = ImageReference.parse("127.0.0.1:5000/team/app:1", ImageReference.DOCKER_HUB);
        assertThat(base.withTag("2")).hasToString("127.0.0.1:5000/team/app:2");
        ImageReference pinned = base.withDigest(Digest.parse(DIGEST));
        assertThat(pinned).hasToString("127.0.0.1:5000/team/app:1@" + DIGEST);
        assertThat(pinned.withTagOnly("3")).hasToString("127.0.0.1:5000/team/app:3");
        assertThatThrownBy(() -> base.withTag("bad tag")).isInstanceOf(InvalidNameException.class);
    }

    @Test
    void theCanonicalFormParsesBackToItself() {
        for (String text : new String[] {"ubuntu", "localhost:5000/a/b:c", "redis:7@" + DIGEST}) {
            ImageReference once = ImageReference.parse(text, ImageReference.DOCKER_HUB);
            assertThat(ImageReference.parse(once.toString(), "elsewhere.example")).isEqualTo(once);
        }
    }
}
