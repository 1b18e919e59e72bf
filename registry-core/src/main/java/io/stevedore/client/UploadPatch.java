package io.stevedore.client;

import io.stevedore.oci.RepositoryName;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** PATCH one chunk of an upload at its offset; the answer's Location is where the next chunk goes. */
final class UploadPatch implements RegistryEndpoint<URI> {
    private final String registry;
    private final RepositoryName repository;
    private final URI location;
    private final long offset;
    private final long length;
    private final Supplier<HttpRequest.BodyPublisher> chunk;

    UploadPatch(String registry, RepositoryName repository, URI location, long offset, long length,
                Supplier<HttpRequest.BodyPublisher> chunk) {
        this.registry = registry;
        this.repository = repository;
        this.location = location;
        this.offset = offset;
        this.length = length;
        this.chunk = chunk;
    }

    @Override
    public String method() {
        return "PATCH";
    }

    @Override
    public URI uri(URI base) {
        return location;
    }

    @Override
    public HttpRequest.BodyPublisher body() {
        return chunk.get();
    }

    @Override
    public Map<String, String> headers() {
        return Map.of("Content-Type", "application/octet-stream",
                "Content-Range", offset + "-" + (offset + length - 1));
    }

    @Override
    public Set<String> scopes() {
        return Scopes.push(repository);
    }

    @Override
    public boolean retryable() {
        return false;
    }

    @Override
    public boolean uploadsBody() {
        return true;
    }

    @Override
    public String description() {
        return "upload bytes " + offset + "-" + (offset + length - 1) + " to " + registry + "/" + repository;
    }

    @Override
    public URI handle(RegistryResponse response) {
        return response.header("Location").map(l -> response.uri().resolve(l)).orElse(location);
    }
}
