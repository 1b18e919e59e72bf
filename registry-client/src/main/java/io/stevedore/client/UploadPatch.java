package io.stevedore.client;

import io.stevedore.oci.RepositoryName;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.function.Supplier;

/** PATCH one chunk of an upload at its offset; the answer's Location is where the next chunk goes. */
final class UploadPatch extends UploadRequest<URI> {
    private final long offset;
    private final long length;

    UploadPatch(String registry, RepositoryName repository, URI location, long offset, long length,
                Supplier<HttpRequest.BodyPublisher> chunk) {
        super(registry, repository, location, chunk);
        this.offset = offset;
        this.length = length;
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
    public Map<String, String> headers() {
        return Map.of("Content-Type", "application/octet-stream",
                "Content-Range", offset + "-" + (offset + length - 1));
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
