package io.stevedore.client;

import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * HEAD a manifest: what it is without its body, or empty when the registry does not have it.
 * A descriptor without a digest (some registries send no Docker-Content-Digest) is left to the
 * client to complete with a GET.
 */
final class ManifestHead implements RegistryEndpoint<Optional<ManifestHead.Answer>> {

    /** What a HEAD told: the digest may be missing. */
    record Answer(String mediaType, Digest digest, long size) {
    }

    private final String registry;
    private final RepositoryName repository;
    private final String reference;

    ManifestHead(String registry, RepositoryName repository, String reference) {
        this.registry = registry;
        this.repository = repository;
        this.reference = reference;
    }

    @Override
    public String method() {
        return "HEAD";
    }

    @Override
    public URI uri(URI base) {
        return RegistryPaths.manifest(base, repository, reference);
    }

    @Override
    public Map<String, String> headers() {
        return Map.of("Accept", ManifestPull.ACCEPT);
    }

    @Override
    public Set<String> scopes() {
        return Scopes.pull(repository);
    }

    @Override
    public String description() {
        return "check manifest " + RegistryPaths.image(registry, repository, reference);
    }

    @Override
    public boolean accepts(int status) {
        return status == 200 || status == 404;
    }

    @Override
    public Optional<Answer> handle(RegistryResponse response) {
        if (response.status() == 404) {
            return Optional.empty();
        }
        String mediaType = response.mediaType().orElse(null);
        Digest digest = response.contentDigest().orElse(null);
        if (digest == null && Digest.looksLikeDigest(reference)) {
            digest = Digest.parse(reference);
        }
        return Optional.of(new Answer(mediaType, digest, response.contentLength().orElse(-1)));
    }

    static Descriptor descriptor(Answer answer) {
        return Descriptor.of(answer.mediaType(), answer.digest(), answer.size());
    }
}
