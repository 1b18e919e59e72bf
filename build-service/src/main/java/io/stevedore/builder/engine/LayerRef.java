package io.stevedore.builder.engine;

import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;

/**
 * One layer of an image being built: its blob, its uncompressed digest, and a registry repository
 * that holds the blob (so it can be mounted or fetched instead of uploaded again).
 */
public record LayerRef(Descriptor blob, Digest diffId, String registry, RepositoryName repository) {}
