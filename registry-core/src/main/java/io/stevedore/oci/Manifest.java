package io.stevedore.oci;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the registry needs to know of a pushed manifest: its kind, and everything it refers to.
 * The bytes themselves are kept as pushed; this is only their reading.
 *
 * @param mediaType  the media type it is stored and served under
 * @param config     the config blob of an image manifest, else null
 * @param layers     the layer blobs of an image manifest (also the blobs of an artifact)
 * @param manifests  the child manifests of an index
 * @param subject    the manifest this one refers to (signatures, SBOMs), or null
 * @param artifactType the artifactType field, or for an image manifest its config media type
 */
public record Manifest(String mediaType, Descriptor config, List<Descriptor> layers, List<Descriptor> manifests,
                       Descriptor subject, String artifactType, Map<String, String> annotations) {

    public Manifest {
        layers = layers == null ? List.of() : List.copyOf(layers);
        manifests = manifests == null ? List.of() : List.copyOf(manifests);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    public boolean isIndex() {
        return MediaTypes.INDEXES.contains(mediaType);
    }

    /** The blobs this manifest needs the registry to hold: config and distributable layers. */
    public Stream<Descriptor> requiredBlobs() {
        Stream<Descriptor> cfg = config == null ? Stream.empty() : Stream.of(config);
        return Stream.concat(cfg, layers.stream().filter(l -> !MediaTypes.isNonDistributable(l.mediaType())));
    }
}
