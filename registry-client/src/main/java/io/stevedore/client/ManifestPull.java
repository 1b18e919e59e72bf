package io.stevedore.client;

import io.stevedore.json.Json;
import io.stevedore.oci.Digest;
import io.stevedore.oci.MediaTypes;
import io.stevedore.oci.RepositoryName;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** GET a manifest or index by tag or digest, verified against the digest it was asked by. */
final class ManifestPull implements RegistryEndpoint<ManifestResponse> {
    /** Everything a build can use; schema 1 is left out, so registries convert or refuse it. */
    static final String ACCEPT = String.join(", ", MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST,
            MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_MANIFEST);

    private final String registry;
    private final RepositoryName repository;
    private final String reference;

    ManifestPull(String registry, RepositoryName repository, String reference) {
        this.registry = registry;
        this.repository = repository;
        this.reference = reference;
    }

    @Override
    public String method() {
        return "GET";
    }

    @Override
    public URI uri(URI base) {
        return RegistryPaths.manifest(base, repository, reference);
    }

    @Override
    public Map<String, String> headers() {
        return Map.of("Accept", ACCEPT);
    }

    @Override
    public Set<String> scopes() {
        return Scopes.pull(repository);
    }

    @Override
    public String description() {
        return "pull manifest " + RegistryPaths.image(registry, repository, reference);
    }

    @Override
    public ManifestResponse handle(RegistryResponse response) throws IOException {
        byte[] body = response.document();
        String mediaType = response.mediaType().orElse(null);
        Digest digest = verifiedDigest(body, response);
        return new ManifestResponse(digest, mediaType == null || mediaType.isEmpty() ? declaredMediaType(body) : mediaType, body);
    }

    /**
     * The digest of {@code body}: checked against the digest asked for, and against the one the
     * registry claims; either disagreeing means the bytes are not what was asked for.
     */
    private Digest verifiedDigest(byte[] body, RegistryResponse response) {
        if (Digest.looksLikeDigest(reference)) {
            Digest expected = Digest.parse(reference);
            Digest actual = Digest.of(expected.algorithm(), body);
            if (!actual.equals(expected)) {
                throw mismatch(expected, actual);
            }
            return expected;
        }
        Digest actual = Digest.sha256(body);
        Optional<Digest> claimed = response.contentDigest();
        if (claimed.isPresent()) {
            Digest header = claimed.get();
            Digest recomputed = header.algorithm().equals(actual.algorithm()) ? actual
                    : Digest.of(header.algorithm(), body);
            if (!recomputed.equals(header)) {
                throw mismatch(header, recomputed);
            }
        }
        return actual;
    }

    private RegistryClientException mismatch(Digest expected, Digest actual) {
        return new RegistryClientException("manifest " + RegistryPaths.image(registry, repository, reference)
                + " has digest " + actual + ", not " + expected + ": the registry served other content",
                200, "DIGEST_INVALID");
    }

    /** A registry that sends no Content-Type leaves the manifest's own mediaType field to go by. */
    private static String declaredMediaType(byte[] body) {
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            String declared = root.path("mediaType").asString("");
            if (!declared.isEmpty()) {
                return declared;
            }
            return root.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        } catch (RuntimeException notJson) {
            return null;
        }
    }

    @Override
    public String explain(int status, RegistryError error) {
        return status == 404 ? RegistryPaths.manifestNotFound(registry, repository, reference, error) : null;
    }
}
