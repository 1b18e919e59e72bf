package io.stevedore.builder.engine;

import io.stevedore.json.Json;
import io.stevedore.oci.Digest;
import io.stevedore.oci.Platform;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An image configuration being built, kept as the JSON tree it came from so fields this builder
 * does not know (from the base image) survive untouched. Field names are those Docker writes.
 */
public final class ImageConfig {
    private final ObjectNode root;

    private ImageConfig(ObjectNode root) {
        this.root = root;
    }

    public static ImageConfig scratch(Platform platform) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("architecture", platform.architecture());
        root.put("os", platform.os());
        if (platform.variant() != null) {
            root.put("variant", platform.variant());
        }
        root.putObject("config");
        ObjectNode rootfs = root.putObject("rootfs");
        rootfs.put("type", "layers");
        rootfs.putArray("diff_ids");
        root.putArray("history");
        return new ImageConfig(root);
    }

    public static ImageConfig parse(byte[] json) {
        JsonNode node = Json.MAPPER.readTree(json);
        if (!(node instanceof ObjectNode object)) {
            throw new BuildException("the base image's configuration is not a JSON object");
        }
        ImageConfig config = new ImageConfig(object);
        if (!(object.get("config") instanceof ObjectNode)) {
            object.putObject("config");
        }
        if (!(object.get("rootfs") instanceof ObjectNode)) {
            ObjectNode rootfs = object.putObject("rootfs");
            rootfs.put("type", "layers");
        }
        if (!(object.get("rootfs").get("diff_ids") instanceof ArrayNode)) {
            ((ObjectNode) object.get("rootfs")).putArray("diff_ids");
        }
        if (!(object.get("history") instanceof ArrayNode)) {
            object.putArray("history");
        }
        return config;
    }

    public ImageConfig copy() {
        return new ImageConfig(root.deepCopy());
    }

    public byte[] toJson() {
        return Json.MAPPER.writeValueAsBytes(root);
    }

    private ObjectNode config() {
        return (ObjectNode) root.get("config");
    }

    public void platform(Platform platform) {
        root.put("architecture", platform.architecture());
        root.put("os", platform.os());
        if (platform.variant() != null) {
            root.put("variant", platform.variant());
        } else {
            root.remove("variant");
        }
    }

    // --- Env: an ordered list of KEY=VALUE, later definitions replace earlier ones in place.

    public List<String> env() {
        return strings(config().get("Env"));
    }

    public Map<String, String> envMap() {
        Map<String, String> map = new LinkedHashMap<>();
        for (String entry : env()) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                map.put(entry.substring(0, eq), entry.substring(eq + 1));
            } else {
                map.put(entry, "");
            }
        }
        return map;
    }

    public void setEnv(String key, String value) {
        Map<String, String> map = envMap();
        map.put(key, value);
        ArrayNode array = config().putArray("Env");
        map.forEach((k, v) -> array.add(k + "=" + v));
    }

    // --- Simple fields.

    public List<String> cmd() {
        return strings(config().get("Cmd"));
    }

    public void cmd(List<String> cmd) {
        putStrings("Cmd", cmd);
    }

    public List<String> entrypoint() {
        return strings(config().get("Entrypoint"));
    }

    public void entrypoint(List<String> entrypoint) {
        putStrings("Entrypoint", entrypoint);
    }

    public List<String> shell() {
        List<String> shell = strings(config().get("Shell"));
        return shell.isEmpty() ? List.of("/bin/sh", "-c") : shell;
    }

    public void shell(List<String> shell) {
        putStrings("Shell", shell);
    }

    public String workingDir() {
        JsonNode node = config().get("WorkingDir");
        return node == null || node.isNull() || node.asString().isEmpty() ? "/" : node.asString();
    }

    public void workingDir(String dir) {
        config().put("WorkingDir", dir);
    }

    public String user() {
        JsonNode node = config().get("User");
        return node == null || node.isNull() ? "" : node.asString();
    }

    public void user(String user) {
        config().put("User", user);
    }

    public void exposePort(String port) {
        objectField("ExposedPorts").putObject(port);
    }

    public void volume(String path) {
        objectField("Volumes").putObject(path);
    }

    public void label(String key, String value) {
        objectField("Labels").put(key, value);
    }

    public void stopSignal(String signal) {
        config().put("StopSignal", signal);
    }

    public void author(String author) {
        root.put("author", author);
    }

    /** HEALTHCHECK; durations in nanoseconds as Docker stores them; null test = NONE. */
    public void healthcheck(List<String> test, Long intervalNanos, Long timeoutNanos, Long startPeriodNanos,
                            Long startIntervalNanos, Integer retries) {
        ObjectNode health = config().putObject("Healthcheck");
        ArrayNode testArray = health.putArray("Test");
        if (test == null) {
            testArray.add("NONE");
            return;
        }
        test.forEach(testArray::add);
        if (intervalNanos != null) health.put("Interval", intervalNanos);
        if (timeoutNanos != null) health.put("Timeout", timeoutNanos);
        if (startPeriodNanos != null) health.put("StartPeriod", startPeriodNanos);
        if (startIntervalNanos != null) health.put("StartInterval", startIntervalNanos);
        if (retries != null) health.put("Retries", retries);
    }

    public List<String> onBuild() {
        return strings(config().get("OnBuild"));
    }

    public void onBuild(List<String> triggers) {
        if (triggers.isEmpty()) {
            config().remove("OnBuild");
        } else {
            putStrings("OnBuild", triggers);
        }
    }

    public void addOnBuild(String trigger) {
        List<String> triggers = new ArrayList<>(onBuild());
        triggers.add(trigger);
        putStrings("OnBuild", triggers);
    }

    // --- rootfs and history.

    public List<Digest> diffIds() {
        return strings(root.get("rootfs").get("diff_ids")).stream().map(Digest::parse).toList();
    }

    public void addLayer(Digest diffId) {
        ((ArrayNode) root.get("rootfs").get("diff_ids")).add(diffId.toString());
    }

    public void addHistory(Instant created, String createdBy, boolean emptyLayer, String comment) {
        ObjectNode entry = ((ArrayNode) root.get("history")).addObject();
        entry.put("created", created.toString());
        entry.put("created_by", createdBy);
        if (comment != null) {
            entry.put("comment", comment);
        }
        if (emptyLayer) {
            entry.put("empty_layer", true);
        }
    }

    public void created(Instant created) {
        root.put("created", created.toString());
    }

    /** The newest `created` among history entries, the natural creation time of the image. */
    public Instant lastHistoryTime(Instant fallback) {
        Instant last = null;
        for (JsonNode entry : root.get("history")) {
            JsonNode created = entry.get("created");
            if (created != null && created.isString()) {
                try {
                    Instant t = Instant.parse(created.asString());
                    if (last == null || t.isAfter(last)) {
                        last = t;
                    }
                } catch (RuntimeException ignored) {
                    // an odd timestamp in a base image's history is not our problem
                }
            }
        }
        return last == null ? fallback : last;
    }

    private ObjectNode objectField(String name) {
        JsonNode node = config().get(name);
        if (node instanceof ObjectNode object) {
            return object;
        }
        return config().putObject(name);
    }

    private void putStrings(String name, List<String> values) {
        if (values == null) {
            config().putNull(name);
            return;
        }
        ArrayNode array = config().putArray(name);
        values.forEach(array::add);
    }

    private static List<String> strings(JsonNode node) {
        List<String> values = new ArrayList<>();
        if (node instanceof ArrayNode array) {
            array.forEach(n -> values.add(n.asString()));
        }
        return values;
    }
}
