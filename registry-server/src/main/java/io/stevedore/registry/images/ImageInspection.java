package io.stevedore.registry.images;

import io.stevedore.oci.Descriptor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** What {@code docker inspect} and {@code docker history} show of an image, from its manifest and config. */
final class ImageInspection {

    private ImageInspection() {
    }

    /**
     * One line of {@code docker history}.
     *
     * @param layer      the manifest's layer this step made, null for an empty layer
     * @param size       that layer's compressed size from the manifest, 0 for an empty layer
     */
    record HistoryEntry(String created, String createdBy, String comment, boolean emptyLayer, String layer,
                        long size) {
    }

    /** The run settings of an image config ({@code docker inspect}'s Config, Os, Architecture...). */
    static Map<String, Object> config(JsonNode config) {
        JsonNode run = config.path("config");
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("os", text(config, "os"));
        view.put("architecture", text(config, "architecture"));
        view.put("variant", text(config, "variant"));
        view.put("created", text(config, "created"));
        view.put("author", text(config, "author"));
        view.put("user", text(run, "User"));
        view.put("workingDir", text(run, "WorkingDir"));
        view.put("env", strings(run.get("Env")));
        view.put("entrypoint", strings(run.get("Entrypoint")));
        view.put("cmd", strings(run.get("Cmd")));
        view.put("exposedPorts", keys(run.get("ExposedPorts")));
        view.put("volumes", keys(run.get("Volumes")));
        view.put("labels", labels(run.get("Labels")));
        view.put("stopSignal", text(run, "StopSignal"));
        return view;
    }

    /**
     * The image's history as {@code docker history} shows it, newest first: each step of the
     * config's history, the steps that made a layer matched in order with the manifest's layers.
     * Without a history in the config, one line per layer.
     */
    static List<HistoryEntry> history(JsonNode config, List<Descriptor> layers) {
        List<HistoryEntry> entries = new ArrayList<>();
        JsonNode history = config.get("history");
        int next = 0;
        if (history != null && history.isArray() && !history.isEmpty()) {
            for (JsonNode step : history) {
                boolean empty = step.path("empty_layer").asBoolean(false);
                Descriptor layer = !empty && next < layers.size() ? layers.get(next++) : null;
                entries.add(new HistoryEntry(text(step, "created"), text(step, "created_by"), text(step, "comment"),
                        layer == null, layer == null ? null : layer.digest().toString(),
                        layer == null ? 0 : layer.size()));
            }
        }
        // layers the history does not account for (or no history at all)
        for (; next < layers.size(); next++) {
            Descriptor layer = layers.get(next);
            entries.add(new HistoryEntry(null, "", null, false, layer.digest().toString(), layer.size()));
        }
        Collections.reverse(entries);
        return entries;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || !value.isString() ? null : value.asString();
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(v -> values.add(v.isString() ? v.asString() : v.toString()));
        }
        return values;
    }

    private static List<String> keys(JsonNode object) {
        List<String> keys = new ArrayList<>();
        if (object != null && object.isObject()) {
            object.properties().forEach(e -> keys.add(e.getKey()));
        }
        return keys;
    }

    private static Map<String, String> labels(JsonNode object) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (object != null && object.isObject()) {
            object.properties().forEach(e -> labels.put(e.getKey(), e.getValue().isString()
                    ? e.getValue().asString() : e.getValue().toString()));
        }
        return labels;
    }
}
