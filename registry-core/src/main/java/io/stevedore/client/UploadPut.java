package io.stevedore.client;

import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * PUT {@code ?digest=} that completes an upload session: with the whole blob as its body (a
 * monolithic upload) or empty after PATCHes. Not retried by itself: a failed PUT may leave the
 * session unusable, so the pusher restarts the upload instead.
 */
final class UploadPut implements RegistryEndpoint<Void> {
    private final String registry;
    private final RepositoryName repository;
    private final Digest digest;
    private final URI location;
    private final Supplier<HttpRequest.BodyPublisher> body;

    UploadPut(String registry, RepositoryName repository, Digest digest, URI location,
              Supplier<HttpRequest.BodyPublisher> body) {
        this.registry = registry;
        this.repository = repository;
        this.digest = digest;
        this.location = location;
        this.body = body;
    }

    @Override
    public String method() {
        return "PUT";
    }

    @Override
    public URI uri(URI base) {
        return RegistryPaths.withParameter(location, "digest", digest.toString());
    }

    @Override
    public HttpRequest.BodyPublisher body() {
        return body.get();
    }

    @Override
    public Map<String, String> headers() {
        return Map.of("Content-Type", "application/octet-stream");
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
        return "push blob " + digest + " to " + registry + "/" + repository;
    }

    @Override
    public boolean accepts(int status) {
        return status == 201 || status == 204;
    }

    @Override
    public Void handle(RegistryResponse response) {
        return null;
    }
}
