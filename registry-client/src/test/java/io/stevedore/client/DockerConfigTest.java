package io.stevedore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json as docker login writes it, and credential helpers as real executables. */
class DockerConfigTest {
    @TempDir
    Path dir;

    private DockerConfig config(String json) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, json);
        return DockerConfig.load(file).withHelperDirectories(List.of(dir.resolve("bin")));
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A docker-credential-NAME script that answers with {@code answer} for {@code server} and fails otherwise. */
    private void helper(String name, String server, String answer) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path script = bin.resolve("docker-credential-" + name);
        Files.writeString(script, "#!/bin/sh\n[ \"$1\" = get ] || exit 2\nread server\n"
                + "if [ \"$server\" = '" + server + "' ]; then printf '%s' '" + answer + "'; exit 0; fi\n"
                + "echo 'credentials not found in native keychain'; exit 1\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void base64AuthIsDecodedAndKeysMatchWithOrWithoutScheme() throws IOException {
        DockerConfig config = config("{\"auths\":{"
                + "\"registry.example.com\":{\"auth\":\"" + base64("alice:s3cr:et") + "\"},"
                + "\"https://other.example:5000\":{\"auth\":\"" + base64("bob:pw") + "\"},"
                + "\"http://plain.example/v2/\":{\"username\":\"carol\",\"password\":\"pw3\"}}}");
        assertThat(config.credentialsFor("registry.example.com"))
                .contains(RegistryCredentials.basic("alice", "s3cr:et"));
        assertThat(config.credentialsFor("other.example:5000")).contains(RegistryCredentials.basic("bob", "pw"));
        assertThat(config.credentialsFor("plain.example")).contains(RegistryCredentials.basic("carol", "pw3"));
        assertThat(config.credentialsFor("unknown.example")).isEmpty();
    }

    @Test
    void dockerHubsLegacyKeyServesDockerIo() throws IOException {
        DockerConfig config = config("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\""
                + base64("hubuser:hubpass") + "\"}}}");
        assertThat(config.credentialsFor("docker.io")).contains(RegistryCredentials.basic("hubuser", "hubpass"));
        assertThat(config.credentialsFor("index.docker.io")).contains(RegistryCredentials.basic("hubuser", "hubpass"));
    }

    @Test
    void anIdentityTokenIsKeptAsOne() throws IOException {
        DockerConfig config = config("{\"auths\":{\"r.example\":{\"auth\":\"" + base64("alice:") + "\","
                + "\"identitytoken\":\"refresh-123\"}}}");
        RegistryCredentials credentials = config.credentialsFor("r.example").orElseThrow();
        assertThat(credentials.hasIdentityToken()).isTrue();
        assertThat(credentials.identityToken()).isEqualTo("refresh-123");
        assertThat(credentials.username()).isEqualTo("alice");
    }

    @Test
    void anEmptyEntryAsLeftByACredentialStoreGivesNothing() throws IOException {
        assertThat(config("{\"auths\":{\"r.example\":{}}}").credentialsFor("r.example")).isEmpty();
    }

    @Test
    void aMissingFileIsAnEmptyConfig() {
        assertThat(DockerConfig.load(dir.resolve("nope.json")).credentialsFor("docker.io")).isEmpty();
    }

    @Test
    void malformedContentIsAClearError() throws IOException {
        assertThatThrownBy(() -> config("{not json")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> config("[]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a JSON object");
        DockerConfig badAuth = config("{\"auths\":{\"r.example\":{\"auth\":\"%%%\"}}}");
        assertThatThrownBy(() -> badAuth.credentialsFor("r.example")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not base64");
    }

    @Test
    void aRegistrysCredentialHelperIsRunWithTheServerOnStdin() throws IOException {
        helper("test", "r.example:5000", "{\"ServerURL\":\"r.example:5000\",\"Username\":\"dave\",\"Secret\":\"pw\"}");
        DockerConfig config = config("{\"credHelpers\":{\"r.example:5000\":\"test\"},"
                + "\"auths\":{\"r.example:5000\":{\"auth\":\"" + base64("ignored:ignored") + "\"}}}");
        assertThat(config.credentialsFor("r.example:5000")).contains(RegistryCredentials.basic("dave", "pw"));
    }

    @Test
    void theCredentialsStoreServesDockerHubUnderItsLegacyUrlAndTokenUserMeansIdentityToken() throws IOException {
        helper("store", "https://index.docker.io/v1/", "{\"Username\":\"<token>\",\"Secret\":\"refresh-xyz\"}");
        DockerConfig config = config("{\"credsStore\":\"store\",\"auths\":{\"https://index.docker.io/v1/\":{}}}");
        RegistryCredentials credentials = config.credentialsFor("docker.io").orElseThrow();
        assertThat(credentials.identityToken()).isEqualTo("refresh-xyz");
        assertThat(config.credentialsFor("elsewhere.example")).as("the helper knows nothing of it").isEmpty();
    }

    @Test
    void aHelperThatIsNotInstalledGivesNoCredentials() throws IOException {
        DockerConfig config = config("{\"credHelpers\":{\"r.example\":\"missing\"}}");
        assertThat(config.credentialsFor("r.example")).isEmpty();
    }

    @Test
    void aHelperNameIsNeverAPath() throws IOException {
        DockerConfig config = config("{\"credHelpers\":{\"r.example\":\"../../bin/sh\"}}");
        assertThat(config.credentialsFor("r.example")).isEmpty();
    }

    @Test
    void credentialsNeverShowTheirSecret() {
        assertThat(RegistryCredentials.basic("alice", "hunter2").toString()).doesNotContain("hunter2");
    }
}
