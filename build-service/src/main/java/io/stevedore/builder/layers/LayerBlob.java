package io.stevedore.builder.layers;

import io.stevedore.oci.Digest;

import java.nio.file.Path;

/** A compressed layer on disk: its digest and size (of the file), and its diff_id (of the tar inside). */
public record LayerBlob(Path file, Digest digest, long size, Digest diffId, String mediaType) {}
