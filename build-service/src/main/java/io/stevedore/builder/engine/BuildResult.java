package io.stevedore.builder.engine;

import io.stevedore.client.ImageReference;
import io.stevedore.oci.Digest;
import io.stevedore.oci.Platform;

import java.util.List;
import java.util.Map;

/**
 * What a build pushed: the digest every tag now points at (a manifest, or an index for several
 * platforms), each platform's manifest digest, and the tags.
 */
public record BuildResult(Digest digest, String mediaType, Map<Platform, Digest> manifests, List<ImageReference> tags) {}
