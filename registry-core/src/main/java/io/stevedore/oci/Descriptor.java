package io.stevedore.oci;

import java.util.List;
import java.util.Map;

/** A content descriptor: what a manifest says about a blob or another manifest it points at. */
public record Descriptor(String mediaType, Digest digest, long size, List<String> urls,
                         Map<String, String> annotations, Platform platform, String artifactType) {

    public Descriptor {
        urls = urls == null ? List.of() : List.copyOf(urls);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, null, null, null, null);
    }
}
