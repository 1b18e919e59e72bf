package io.stevedore.client;

import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.function.Supplier;

/** PUT {@code ?digest=} that completes an upload session: with the whole blob as its body (monolithic) or empty after PATCHes. */
final class UploadPut extends UploadRequest<Void> {
    private final Digest digest;

    UploadPut(String registry, RepositoryName repository, Digest digest, URI location,
              Supplier<HttpRequest.BodyPublisher> body) {
        super(registry, repository, location, body);
        this.digest = digest;
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
    public Map<String, String> headers() {
        return Map.of("Content-Type", "application/octet-stream");
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
