package io.stevedore.client;

import io.stevedore.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Runs a docker credential helper ({@code docker-credential-<name> get}): the server URL on
 * stdin, {@code {"Username":..,"Secret":..}} on stdout; the user name {@code <token>} marks the
 * secret as an identity token. A helper that knows nothing exits non-zero; that is "no
 * credentials", not an error, as it is for docker.
 */
final class CredentialHelper {
    /** Helpers for desktop keychains can prompt; a build must not hang on one. */
    private static final long TIMEOUT_SECONDS = 30;
    private static final String IDENTITY_TOKEN_USER = "<token>";

    private CredentialHelper() {
    }

    static Optional<RegistryCredentials> get(Path executable, String serverUrl) {
        Process process;
        try {
            process = new ProcessBuilder(executable.toString(), "get")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new RegistryClientException("cannot run credential helper " + executable + ": " + e.getMessage(),
                    0, null, e);
        }
        try {
            try (OutputStream stdin = process.getOutputStream()) {
                stdin.write(serverUrl.getBytes(StandardCharsets.UTF_8));
            }
            byte[] output;
            try (InputStream stdout = process.getInputStream()) {
                output = stdout.readNBytes(64 * 1024);
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new RegistryClientException("credential helper " + executable + " did not finish in "
                        + TIMEOUT_SECONDS + " s", 0, null);
            }
            if (process.exitValue() != 0) {
                return Optional.empty();
            }
            return parse(output, executable);
        } catch (IOException e) {
            throw new RegistryClientException("credential helper " + executable + " failed: " + e.getMessage(),
                    0, null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryClientException("interrupted while running " + executable, 0, null, e);
        } finally {
            process.destroyForcibly();
        }
    }

    private static Optional<RegistryCredentials> parse(byte[] output, Path executable) {
        JsonNode answer;
        try {
            answer = Json.MAPPER.readTree(output);
        } catch (JacksonException e) {
            throw new RegistryClientException("credential helper " + executable + " answered something other than JSON",
                    0, null, e);
        }
        String username = answer.path("Username").asString("");
        String secret = answer.path("Secret").asString("");
        if (secret.isEmpty()) {
            return Optional.empty();
        }
        if (username.equals(IDENTITY_TOKEN_USER)) {
            return Optional.of(new RegistryCredentials(null, null, secret));
        }
        return username.isEmpty() ? Optional.empty() : Optional.of(RegistryCredentials.basic(username, secret));
    }
}
