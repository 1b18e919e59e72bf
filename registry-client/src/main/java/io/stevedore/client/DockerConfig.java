package io.stevedore.client;

import io.stevedore.json.Json;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The credentials {@code docker login} left in {@code config.json}: inline {@code auths} entries
 * (base64 {@code auth}, {@code username}/{@code password}, or {@code identitytoken}), and
 * credential helpers ({@code credHelpers} per registry, {@code credsStore} for all) that are run
 * as {@code docker-credential-<name> get} when they are installed. Lookup follows docker:
 * a registry's own helper, else the default store, else the inline entry.
 */
public final class DockerConfig {
    /** The key docker writes for Docker Hub, a relic of the v1 API. */
    static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";
    private static final List<String> DOCKER_HUB_ALIASES = List.of(
            "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com");

    private final Map<String, JsonNode> auths;
    private final Map<String, String> credentialHelpers;
    private final String credentialsStore;
    private final List<Path> helperDirectories;

    private DockerConfig(Map<String, JsonNode> auths, Map<String, String> credentialHelpers, String credentialsStore,
                         List<Path> helperDirectories) {
        this.auths = auths;
        this.credentialHelpers = credentialHelpers;
        this.credentialsStore = credentialsStore;
        this.helperDirectories = helperDirectories;
    }

    /** A config with no credentials at all. */
    public static DockerConfig empty() {
        return new DockerConfig(Map.of(), Map.of(), null, pathDirectories());
    }

    /** {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}; empty when missing. */
    public static DockerConfig load() {
        String dockerConfig = System.getenv("DOCKER_CONFIG");
        Path directory = dockerConfig != null && !dockerConfig.isBlank()
                ? Path.of(dockerConfig) : Path.of(System.getProperty("user.home"), ".docker");
        return load(directory.resolve("config.json"));
    }

    /** Reads {@code configJson}; a missing file is an empty config, a malformed one an error. */
    public static DockerConfig load(Path configJson) {
        byte[] content;
        try {
            content = Files.readAllBytes(configJson);
        } catch (NoSuchFileException e) {
            return empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read docker config " + configJson, e);
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(content);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("docker config " + configJson + " is not valid JSON: "
                    + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("docker config " + configJson + " is not a JSON object");
        }
        Map<String, JsonNode> auths = new LinkedHashMap<>();
        JsonNode authsNode = root.path("auths");
        for (String key : authsNode.propertyNames()) {
            auths.put(hostOf(key), authsNode.get(key));
        }
        Map<String, String> helpers = new LinkedHashMap<>();
        JsonNode helpersNode = root.path("credHelpers");
        for (String key : helpersNode.propertyNames()) {
            if (helpersNode.get(key).isString()) {
                helpers.put(hostOf(key), helpersNode.get(key).asString());
            }
        }
        JsonNode store = root.path("credsStore");
        return new DockerConfig(auths, helpers, store.isString() && !store.asString().isBlank() ? store.asString() : null,
                pathDirectories());
    }

    /** The same config looking for {@code docker-credential-*} helpers in {@code directories} instead of PATH. */
    public DockerConfig withHelperDirectories(List<Path> directories) {
        return new DockerConfig(auths, credentialHelpers, credentialsStore, List.copyOf(directories));
    }

    /**
     * Credentials for {@code registry} (host[:port], or docker.io and its aliases), from its
     * helper, the default store or the inline entry, in docker's order. Empty when there are none
     * or a helper is not installed.
     */
    public Optional<RegistryCredentials> credentialsFor(String registry) {
        String host = hostOf(registry);
        String helper = credentialHelpers.get(host);
        if (helper != null) {
            return fromHelper(helper, host);
        }
        if (credentialsStore != null) {
            Optional<RegistryCredentials> stored = fromHelper(credentialsStore, host);
            if (stored.isPresent()) {
                return stored;
            }
        }
        JsonNode entry = auths.get(host);
        return entry == null ? Optional.empty() : fromEntry(entry, registry);
    }

    private static Optional<RegistryCredentials> fromEntry(JsonNode entry, String registry) {
        String username = text(entry, "username");
        String password = text(entry, "password");
        String auth = text(entry, "auth");
        if (auth != null) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the docker config's auth for " + registry + " is not base64");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("the docker config's auth for " + registry
                        + " is not user:password");
            }
            username = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        }
        String identityToken = text(entry, "identitytoken");
        if (identityToken != null) {
            return Optional.of(new RegistryCredentials(username, null, identityToken));
        }
        if (username != null && !username.isEmpty() && password != null) {
            return Optional.of(RegistryCredentials.basic(username, password));
        }
        return Optional.empty();
    }

    private static String text(JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        return value != null && value.isString() && !value.asString().isEmpty() ? value.asString() : null;
    }

    private Optional<RegistryCredentials> fromHelper(String helper, String host) {
        Optional<Path> executable = findHelper("docker-credential-" + helper);
        if (executable.isEmpty()) {
            return Optional.empty();
        }
        String serverUrl = host.equals(ImageReference.DOCKER_HUB) ? DOCKER_HUB_KEY : host;
        return CredentialHelper.get(executable.get(), serverUrl);
    }

    private Optional<Path> findHelper(String name) {
        if (!name.matches("docker-credential-[A-Za-z0-9._-]+")) {
            return Optional.empty(); // a helper name is a file name, never a path
        }
        for (Path directory : helperDirectories) {
            Path candidate = directory.resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static List<Path> pathDirectories() {
        String path = System.getenv("PATH");
        List<Path> directories = new ArrayList<>();
        if (path != null) {
            for (String entry : path.split(File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    directories.add(Path.of(entry));
                }
            }
        }
        return directories;
    }

    /**
     * The registry host a config key or registry name stands for: docker writes keys as
     * {@code host}, {@code https://host} or {@code https://host/v1/}, and Docker Hub under several names.
     */
    static String hostOf(String key) {
        String host = key.trim();
        int scheme = host.indexOf("://");
        if (scheme >= 0) {
            host = host.substring(scheme + 3);
        }
        int slash = host.indexOf('/');
        if (slash >= 0) {
            host = host.substring(0, slash);
        }
        host = host.toLowerCase(Locale.ROOT);
        return DOCKER_HUB_ALIASES.contains(host) ? ImageReference.DOCKER_HUB : host;
    }
}
