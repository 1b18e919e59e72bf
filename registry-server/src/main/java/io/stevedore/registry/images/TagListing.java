package io.stevedore.registry.images;

import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.Manifest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The tag list of a repository as a console shows it: per tag its manifest, who pushed it when,
 * and per platform image the compressed size (config + layers, from the manifest) and the
 * creation time (from the image config, one small blob read per image).
 */
@Component
class TagListing {
    private final TagDetailsStore store;
    private final Images images;

    TagListing(TagDetailsStore store, Images images) {
        this.store = store;
        this.images = images;
    }

    List<Map<String, Object>> page(String repository, String last, int limit) {
        List<Map<String, Object>> page = new ArrayList<>();
        for (TagDetailsStore.TagRow row : store.page(repository, last, limit)) {
            Images.Loaded loaded = new Images.Loaded(repository, Digest.parse(row.digest()), row.mediaType(),
                    row.content(), Images.parse(row.content(), row.mediaType()));
            List<Map<String, Object>> platforms = new ArrayList<>();
            if (loaded.manifest().isIndex()) {
                for (Descriptor child : loaded.manifest().manifests()) {
                    images.find(repository, new io.stevedore.oci.Reference(null, child.digest()))
                            .filter(c -> !c.manifest().isIndex())
                            .ifPresent(c -> platforms.add(image(c, child)));
                }
            } else {
                platforms.add(image(loaded, null));
            }
            Map<String, Object> tag = new LinkedHashMap<>();
            tag.put("tag", row.tag());
            tag.put("digest", row.digest());
            tag.put("mediaType", row.mediaType());
            tag.put("size", platforms.stream().mapToLong(p -> (Long) p.get("size")).sum());
            tag.put("created", platforms.stream().map(p -> (String) p.get("created")).filter(c -> c != null)
                    .max(String::compareTo).orElse(null));
            tag.put("pushedAt", row.pushedAt().toString());
            tag.put("pushedBy", row.pushedBy());
            tag.put("platforms", platforms);
            page.add(tag);
        }
        return page;
    }

    /** One platform image: its platform from the index descriptor or else the config, size and creation time. */
    private Map<String, Object> image(Images.Loaded image, Descriptor inIndex) {
        Manifest manifest = image.manifest();
        JsonNode config = configOrEmpty(image);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("digest", image.digest().toString());
        view.put("mediaType", image.mediaType());
        if (inIndex != null && inIndex.platform() != null) {
            view.put("os", inIndex.platform().os());
            view.put("architecture", inIndex.platform().architecture());
            view.put("variant", inIndex.platform().variant());
        } else {
            view.put("os", text(config, "os"));
            view.put("architecture", text(config, "architecture"));
            view.put("variant", text(config, "variant"));
        }
        long size = (manifest.config() == null ? 0 : manifest.config().size())
                + manifest.layers().stream().mapToLong(Descriptor::size).sum();
        view.put("size", size);
        view.put("created", text(config, "created"));
        return view;
    }

    /** Artifacts (signatures, SBOMs) have configs that are not image configs: then nothing. */
    private JsonNode configOrEmpty(Images.Loaded image) {
        Descriptor config = image.manifest().config();
        if (config == null || config.size() > Images.MAX_CONFIG_BYTES || !config.mediaType().contains("config")) {
            return null;
        }
        return images.config(image);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || !value.isString() ? null : value.asString();
    }
}
