package io.stevedore.client;

import io.stevedore.oci.Digest;

/** A manifest or index as the registry served it: its digest, its media type and its exact bytes. */
public record ManifestResponse(Digest digest, String mediaType, byte[] body) {
}
