package io.stevedore.client;

import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import java.net.URI;
import java.util.OptionalLong;
import java.util.Set;

/**
 * POST to start a blob upload, or to mount a blob from another repository ({@code mount},
 * {@code from}): 201 means mounted, 202 means an upload session started at {@code Location}.
 */
final class UploadStart implements RegistryEndpoint<UploadStart.Started> {

    /**
     * @param mounted     the blob is in place; no session was opened
     * @param location    the session's URL (null when mounted)
     * @param minChunk    the smallest PATCH the registry accepts (OCI-Chunk-Min-Length), when it says
     */
    record Started(boolean mounted, URI location, OptionalLong minChunk) {
    }

    private final String registry;
    private final RepositoryName repository;
    private final Digest mount;
    private final RepositoryName from;

    /** A plain upload session. */
    UploadStart(String registry, RepositoryName repository) {
        this(registry, repository, null, null);
    }

    /** A mount of {@code mount} from {@code from}, which falls back to a session when the registry declines. */
    UploadStart(String registry, RepositoryName repository, Digest mount, RepositoryName from) {
        this.registry = registry;
        this.repository = repository;
        this.mount = mount;
        this.from = from;
    }

    @Override
    public String method() {
        return "POST";
    }

    @Override
    public URI uri(URI base) {
        URI uploads = RegistryPaths.uploads(base, repository);
        if (mount == null) {
            return uploads;
        }
        return RegistryPaths.withParameter(RegistryPaths.withParameter(uploads, "mount", mount.toString()),
                "from", from.toString());
    }

    @Override
    public Set<String> scopes() {
        return from == null ? Scopes.push(repository) : Scopes.mount(repository, from);
    }

    @Override
    public String description() {
        return mount == null ? "start blob upload to " + registry + "/" + repository
                : "mount blob " + mount + " from " + from + " into " + registry + "/" + repository;
    }

    @Override
    public Started handle(RegistryResponse response) {
        if (response.status() == 201) {
            return new Started(true, null, OptionalLong.empty());
        }
        String location = response.header("Location").orElseThrow(() -> new RegistryClientException(
                description() + ": the registry answered " + response.status() + " without a Location",
                response.status(), null));
        OptionalLong minChunk = response.header("OCI-Chunk-Min-Length").map(String::trim)
                .filter(v -> v.matches("[0-9]{1,18}")).map(v -> OptionalLong.of(Long.parseLong(v)))
                .orElse(OptionalLong.empty());
        return new Started(false, response.uri().resolve(location), minChunk);
    }
}
