package io.stevedore.client;

import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import java.net.URI;
import java.util.Optional;
import java.util.Set;

/** HEAD a blob: its size when the repository has it, empty when not. */
final class BlobHead implements RegistryEndpoint<Optional<Long>> {
    private final String registry;
    private final RepositoryName repository;
    private final Digest digest;
    private final Set<String> scopes;

    /** {@code scopes}: a pusher checks with its push token, so one token serves the whole push. */
    BlobHead(String registry, RepositoryName repository, Digest digest, Set<String> scopes) {
        this.registry = registry;
        this.repository = repository;
        this.digest = digest;
        this.scopes = scopes;
    }

    @Override
    public String method() {
        return "HEAD";
    }

    @Override
    public URI uri(URI base) {
        return RegistryPaths.blob(base, repository, digest);
    }

    @Override
    public Set<String> scopes() {
        return scopes;
    }

    @Override
    public String description() {
        return "check blob " + digest + " in " + registry + "/" + repository;
    }

    @Override
    public boolean accepts(int status) {
        return status == 200 || status == 404;
    }

    @Override
    public Optional<Long> handle(RegistryResponse response) {
        if (response.status() == 404) {
            return Optional.empty();
        }
        return Optional.of(response.contentLength().orElse(-1));
    }
}
