package io.stevedore.storage.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.utility.TestcontainersConfiguration;

/**
 * Whether Testcontainers can run an image without pulling anything: this machine reaches no image
 * registry, so a pull would fail (or wait for its timeout) instead of skipping.
 */
final class LocalDockerImage {
    private static final long TIMEOUT_SECONDS = 30;

    private LocalDockerImage() {
    }

    /** Why {@code image} cannot be run here, or empty if it can. */
    static Optional<String> whyNotRunnable(String image) {
        Optional<String> missing = whyNotPresent(image);
        if (missing.isPresent()) {
            return missing;
        }
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return Optional.of("Testcontainers finds no Docker engine");
        }
        if (!Boolean.parseBoolean(System.getenv("TESTCONTAINERS_RYUK_DISABLED"))) {
            @SuppressWarnings("deprecation")
            String ryuk = TestcontainersConfiguration.getInstance().getRyukImage();
            return whyNotPresent(ryuk).map(why -> why + " (Testcontainers' reaper; or set TESTCONTAINERS_RYUK_DISABLED=true,"
                    + " as this module's surefire configuration does)");
        }
        return Optional.empty();
    }

    private static Optional<String> whyNotPresent(String image) {
        Path output = null;
        try {
            output = Files.createTempFile("docker-inspect", ".txt");
            Process docker = new ProcessBuilder("docker", "image", "inspect", "--format", "{{.Id}}", image)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!docker.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                docker.destroyForcibly();
                return Optional.of("docker did not answer within " + TIMEOUT_SECONDS + " s");
            }
            if (docker.exitValue() != 0) {
                String said = Files.readString(output, StandardCharsets.UTF_8).strip();
                return Optional.of("image " + image + " is not present locally and cannot be pulled here (docker: " + said + ")");
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("no usable docker command: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while asking docker");
        } finally {
            if (output != null) {
                output.toFile().delete();
            }
        }
    }
}
