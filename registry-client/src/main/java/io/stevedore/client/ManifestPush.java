package io.stevedore.client;

import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.Set;

/** PUT a manifest or index under a tag or its digest; yields the digest the registry stored it under. */
final class ManifestPush implements RegistryEndpoint<Digest> {
    private final String registry;
    private final RepositoryName repository;
    private final String reference;
    private final String mediaType;
    private final byte[] body;

    ManifestPush(String registry, RepositoryName repository, String reference, String mediaType, byte[] body) {
        this.registry = registry;
        this.repository = repository;
        this.reference = reference;
        this.mediaType = mediaType;
        this.body = body;
    }

    @Override
    public String method() {
        return "PUT";
    }

    @Override
    public URI uri(URI base) {
        return RegistryPaths.manifest(base, repository, reference);
    }

    @Override
    public HttpRequest.BodyPublisher body() {
        return HttpRequest.BodyPublishers.ofByteArray(body);
    }

    @Override
    public Map<String, String> headers() {
        return Map.of("Content-Type", mediaType);
    }

    @Override
    public Set<String> scopes() {
        return Scopes.push(repository);
    }

    /** The same bytes under the same reference: sending it twice changes nothing. */
    @Override
    public boolean retryable() {
        return true;
    }

    @Override
    public String description() {
        return "push manifest " + RegistryPaths.image(registry, repository, reference);
    }

    @Override
    public Digest handle(RegistryResponse response) {
        return response.contentDigest().orElseGet(() -> Digest.sha256(body));
    }
}
