package io.stevedore.client;

import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import java.io.InputStream;
import java.net.URI;
import java.util.Set;

/**
 * GET a blob as a stream that checks its digest when it reaches the end, unless the caller checks
 * it itself. Registries that keep blobs elsewhere answer with a redirect, which the caller follows
 * without our credentials.
 */
final class BlobPull implements RegistryEndpoint<InputStream> {
    private final String registry;
    private final RepositoryName repository;
    private final Digest digest;
    private final boolean verify;

    BlobPull(String registry, RepositoryName repository, Digest digest, boolean verify) {
        this.registry = registry;
        this.repository = repository;
        this.digest = digest;
        this.verify = verify;
    }

    @Override
    public String method() {
        return "GET";
    }

    @Override
    public URI uri(URI base) {
        return RegistryPaths.blob(base, repository, digest);
    }

    @Override
    public Set<String> scopes() {
        return Scopes.pull(repository);
    }

    @Override
    public String description() {
        return "pull blob " + digest + " from " + registry + "/" + repository;
    }

    @Override
    public boolean accepts(int status) {
        return status == 200;
    }

    @Override
    public InputStream handle(RegistryResponse response) {
        return verify ? new DigestVerifyingInputStream(response.takeBody(), digest,
                registry + "/" + repository + "@" + digest) : response.takeBody();
    }

    @Override
    public String explain(int status, RegistryError error) {
        return status == 404 ? (error.code() != null ? error.code() : "BLOB_UNKNOWN") + ": blob " + digest
                + " not found in " + registry + "/" + repository : null;
    }
}
