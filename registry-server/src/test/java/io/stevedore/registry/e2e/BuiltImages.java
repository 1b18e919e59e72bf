package io.stevedore.registry.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import tools.jackson.databind.JsonNode;

/** Reads a built image back from the registry: manifest, config, and every layer's entries with contents. */
final class BuiltImages {

    private BuiltImages() {
    }

    /** One tar entry of a layer: name, mode, owner, link target and (small files) content. */
    record Entry(String name, int mode, long uid, long gid, String linkName, byte[] content) {
        String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    record Image(JsonNode manifest, JsonNode config, List<List<Entry>> layers) {
        /** The last layer's entry of that name (what a container sees, whiteouts aside). */
        Entry file(String name) {
            for (int i = layers.size() - 1; i >= 0; i--) {
                for (Entry entry : layers.get(i)) {
                    if (entry.name().equals(name)) {
                        return entry;
                    }
                }
            }
            return null;
        }

        List<String> allNames() {
            List<String> names = new ArrayList<>();
            layers.forEach(layer -> layer.forEach(e -> names.add(e.name())));
            return names;
        }

        boolean anyLayerContains(byte[] needle) {
            for (List<Entry> layer : layers) {
                for (Entry entry : layer) {
                    if (indexOf(entry.content(), needle) >= 0) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** The image a reference names; for an index, the manifest of {@code architecture}. */
    static Image read(URI registry, String repository, String reference, String architecture) {
        RegistryHttp.Response response = RegistryHttp.manifest(registry, repository, reference);
        assertThat(response.status()).as("manifest %s:%s", repository, reference).isEqualTo(200);
        JsonNode manifest = response.json();
        if (manifest.has("manifests")) {
            String digest = null;
            for (JsonNode descriptor : manifest.get("manifests")) {
                if (descriptor.path("platform").path("architecture").asString().equals(architecture)) {
                    digest = descriptor.get("digest").asString();
                }
            }
            assertThat(digest).as("index has a %s manifest", architecture).isNotNull();
            manifest = RegistryHttp.manifest(registry, repository, digest).json();
        }
        JsonNode config = RegistryHttp.blob(registry, repository, manifest.get("config").get("digest").asString()).json();
        List<List<Entry>> layers = new ArrayList<>();
        for (JsonNode layer : manifest.get("layers")) {
            byte[] blob = RegistryHttp.blob(registry, repository, layer.get("digest").asString()).body();
            layers.add(entries(blob));
        }
        return new Image(manifest, config, layers);
    }

    static List<Entry> entries(byte[] gzipTar) {
        List<Entry> entries = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(gzipTar)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                byte[] content = entry.isFile() && entry.getSize() < 4 * 1024 * 1024 ? tar.readAllBytes() : new byte[0];
                String name = entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
                entries.add(new Entry(name.endsWith("/") ? name.substring(0, name.length() - 1) : name, entry.getMode(),
                        entry.getLongUserId(), entry.getLongGroupId(), entry.getLinkName(), content));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }

    static Map<String, String> env(JsonNode config) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode item : config.path("config").path("Env")) {
            String text = item.asString();
            int eq = text.indexOf('=');
            env.put(text.substring(0, eq), text.substring(eq + 1));
        }
        return env;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
