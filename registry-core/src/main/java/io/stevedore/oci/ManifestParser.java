package io.stevedore.oci;

import io.stevedore.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads manifest bytes (OCI image manifest and index, Docker schema2 manifest and manifest list)
 * into a {@link Manifest}. Strict where the spec is strict (descriptors need a media type, a valid
 * digest and a size), lenient about fields it does not need.
 */
public final class ManifestParser {

    private ManifestParser() {
    }

    /**
     * @param contentType the Content-Type the client sent, or null; when both it and the
     *                    document's {@code mediaType} are present they must agree
     */
    public static Manifest parse(byte[] bytes, String contentType) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw new InvalidManifestException("manifest is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidManifestException("manifest is not a JSON object");
        }
        String declared = text(root, "mediaType");
        String type = contentType == null || contentType.isBlank() ? null : stripParameters(contentType);
        if (MediaTypes.isSchema1(type) || MediaTypes.isSchema1(declared)
                || root.path("schemaVersion").asInt(-1) == 1) {
            throw new InvalidManifestException("Docker schema 1 manifests are not supported: "
                    + "push with a current client, which sends schema 2 or OCI manifests");
        }
        if (root.path("schemaVersion").asInt(-1) != 2) {
            throw new InvalidManifestException("schemaVersion must be 2");
        }
        if (declared != null && type != null && !declared.equals(type)) {
            throw new InvalidManifestException("Content-Type " + type + " does not match the manifest's mediaType "
                    + declared);
        }
        String mediaType = type != null ? type : declared;
        if (mediaType == null) {
            mediaType = root.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        }
        Descriptor subject = root.has("subject") ? descriptor(root.get("subject"), "subject") : null;
        String artifactType = text(root, "artifactType");
        Map<String, String> annotations = annotations(root.get("annotations"), "manifest");
        if (MediaTypes.INDEXES.contains(mediaType)) {
            JsonNode manifests = root.get("manifests");
            if (manifests == null || !manifests.isArray()) {
                throw new InvalidManifestException("an index needs a 'manifests' array");
            }
            return new Manifest(mediaType, null, List.of(), descriptors(manifests, "manifests"), subject,
                    artifactType, annotations);
        }
        if (MediaTypes.IMAGE_MANIFESTS.contains(mediaType)) {
            JsonNode config = root.get("config");
            if (config == null) {
                throw new InvalidManifestException("an image manifest needs a 'config' descriptor");
            }
            JsonNode layers = root.get("layers");
            if (layers != null && !layers.isArray()) {
                throw new InvalidManifestException("'layers' must be an array");
            }
            if (layers == null && MediaTypes.DOCKER_MANIFEST.equals(mediaType)) {
                throw new InvalidManifestException("a Docker schema 2 manifest needs a 'layers' array");
            }
            Descriptor cfg = descriptor(config, "config");
            return new Manifest(mediaType, cfg, layers == null ? List.of() : descriptors(layers, "layers"), List.of(),
                    subject, artifactType != null ? artifactType : cfg.mediaType(), annotations);
        }
        throw new InvalidManifestException("unsupported manifest media type: " + mediaType);
    }

    public static String stripParameters(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    }

    private static List<Descriptor> descriptors(JsonNode array, String field) {
        List<Descriptor> result = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            result.add(descriptor(array.get(i), field + "[" + i + "]"));
        }
        return result;
    }

    private static Descriptor descriptor(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new InvalidManifestException(where + " is not a descriptor object");
        }
        String mediaType = text(node, "mediaType");
        if (mediaType == null || mediaType.isBlank()) {
            throw new InvalidManifestException(where + " has no mediaType");
        }
        Digest digest;
        try {
            digest = Digest.parse(text(node, "digest"));
        } catch (InvalidDigestException e) {
            throw new InvalidManifestException(where + ": " + e.getMessage());
        }
        JsonNode size = node.get("size");
        if (size == null || !size.isIntegralNumber() || size.longValue() < 0) {
            throw new InvalidManifestException(where + " has no valid size");
        }
        List<String> urls = strings(node.get("urls"), where + ".urls");
        Platform platform = null;
        JsonNode p = node.get("platform");
        if (p != null && p.isObject()) {
            List<String> features = strings(p.get("os.features"), where + ".platform.os.features");
            platform = new Platform(text(p, "architecture"), text(p, "os"), text(p, "variant"),
                    text(p, "os.version"), features);
        }
        return new Descriptor(mediaType, digest, size.longValue(), urls, annotations(node.get("annotations"), where),
                platform, text(node, "artifactType"));
    }

    private static Map<String, String> annotations(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new InvalidManifestException(where + ".annotations must be an object of strings");
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isString()) {
                throw new InvalidManifestException(where + ".annotations values must be strings");
            }
            result.put(e.getKey(), e.getValue().asString());
        }
        return result;
    }

    private static List<String> strings(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new InvalidManifestException(where + " must be an array of strings");
        }
        List<String> result = new ArrayList<>(node.size());
        for (JsonNode item : node) {
            if (!item.isString()) {
                throw new InvalidManifestException(where + " must be an array of strings");
            }
            result.add(item.asString());
        }
        return result;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isString() ? value.asString() : null;
    }
}
