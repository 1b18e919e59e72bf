package io.stevedore.client;

import io.stevedore.json.Json;
import tools.jackson.databind.JsonNode;

/**
 * The first entry of an OCI error body, {@code {"errors":[{"code":..,"message":..}]}}, or of an
 * OAuth2 one ({@code {"error":..,"error_description":..}}); both fields null when the body is
 * neither (an HTML page from a proxy, say).
 */
record RegistryError(String code, String message) {
    static final RegistryError NONE = new RegistryError(null, null);

    static RegistryError parse(byte[] body) {
        if (body == null || body.length == 0) {
            return NONE;
        }
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            JsonNode first = root.path("errors").path(0);
            if (first.isObject()) {
                return new RegistryError(textOrNull(first.get("code")), textOrNull(first.get("message")));
            }
            if (root.path("error").isString()) {
                return new RegistryError(root.path("error").asString(), textOrNull(root.get("error_description")));
            }
        } catch (RuntimeException notJson) {
            // fall through: not an error document
        }
        return NONE;
    }

    private static String textOrNull(JsonNode node) {
        return node != null && node.isString() && !node.asString().isBlank() ? node.asString() : null;
    }

    /** "CODE: message", or what there is of it, or {@code fallback}. */
    String describe(String fallback) {
        if (code != null && message != null) {
            return code + ": " + message;
        }
        return code != null ? code : message != null ? message : fallback;
    }
}
