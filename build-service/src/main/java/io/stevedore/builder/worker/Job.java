package io.stevedore.builder.worker;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One leased build as `POST /api/v1/worker/jobs` answers it (docs/remote-builds.md). Exactly one of
 * {@code context} (a URL path on the registry) and {@code git} is set. Secret values stay base64
 * until they are written to files; {@link #toString()} never shows them.
 */
record Job(long build, int attempt, int heartbeatSeconds, List<String> tags, String cacheRepository, String context,
           GitSource git, String dockerfile, Map<String, String> buildArgs, String target, List<String> platforms,
           boolean noCache, Map<String, String> labels, Map<String, String> secrets, Credentials credentials) {

    /** A repository to clone instead of an uploaded context. {@code secret} names one of the job's secrets. */
    record GitSource(String url, String ref, String subdir, String secret) {}

    /** Basic credentials for this registry's /v2, valid while the lease holds. */
    record Credentials(String username, String password) {
        @Override
        public String toString() {
            return "Credentials[" + username + "]";
        }
    }

    static Job fromJson(JsonNode json) {
        JsonNode git = json.path("git");
        JsonNode credentials = json.path("credentials");
        return new Job(json.path("build").asLong(), json.path("attempt").asInt(1),
                Math.max(1, json.path("heartbeatSeconds").asInt(5)),
                strings(json.path("tags")), text(json, "cacheRepository"), text(json, "context"),
                git.isObject() ? new GitSource(text(git, "url"), text(git, "ref"), text(git, "subdir"), text(git, "secret")) : null,
                text(json, "dockerfile") == null ? "Dockerfile" : text(json, "dockerfile"),
                map(json.path("buildArgs")), text(json, "target"), strings(json.path("platforms")),
                json.path("noCache").asBoolean(false), map(json.path("labels")), map(json.path("secrets")),
                credentials.isObject() ? new Credentials(text(credentials, "username"), text(credentials, "password")) : null);
    }

    /** A secret's decoded bytes, or null when the job has no secret of that name. */
    byte[] secret(String id) {
        String value = secrets.get(id);
        return value == null ? null : Base64.getDecoder().decode(value);
    }

    /** "build 17 attempt 2", for the worker's own log lines. */
    String name() {
        return "build " + build + " attempt " + attempt;
    }

    @Override
    public String toString() {
        return "Job[" + name() + ", tags=" + tags + ", secrets=" + secrets.keySet() + "]";
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asString()));
        return List.copyOf(values);
    }

    private static Map<String, String> map(JsonNode object) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : object.propertyNames()) {
            JsonNode value = object.get(name);
            values.put(name, value.isNull() ? null : value.asString());
        }
        return java.util.Collections.unmodifiableMap(values);
    }
}
