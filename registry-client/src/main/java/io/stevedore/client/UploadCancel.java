package io.stevedore.client;

import io.stevedore.oci.RepositoryName;
import java.net.URI;
import java.util.Set;

/** DELETE an upload session we will not use, so it does not linger until the registry's janitor runs. */
final class UploadCancel implements RegistryEndpoint<Void> {
    private final String registry;
    private final RepositoryName repository;
    private final URI location;

    UploadCancel(String registry, RepositoryName repository, URI location) {
        this.registry = registry;
        this.repository = repository;
        this.location = location;
    }

    @Override
    public String method() {
        return "DELETE";
    }

    @Override
    public URI uri(URI base) {
        return location;
    }

    @Override
    public Set<String> scopes() {
        return Scopes.push(repository);
    }

    @Override
    public String description() {
        return "cancel an upload to " + registry + "/" + repository;
    }

    /** Whatever the registry says, the session is of no more use to us. */
    @Override
    public boolean accepts(int status) {
        return true;
    }

    @Override
    public Void handle(RegistryResponse response) {
        return null;
    }
}
