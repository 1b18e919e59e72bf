package io.stevedore.client;

import io.stevedore.oci.RepositoryName;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the requests that send blob bytes into an upload session share: the session's URL, a
 * body made afresh per attempt, the push scope, no retry of their own (a failure can leave the
 * session unusable, so the pusher restarts the upload) and no limit on how long the body takes.
 */
abstract class UploadRequest<T> implements RegistryEndpoint<T> {
    protected final String registry;
    protected final RepositoryName repository;
    protected final URI location;
    private final Supplier<HttpRequest.BodyPublisher> body;

    UploadRequest(String registry, RepositoryName repository, URI location, Supplier<HttpRequest.BodyPublisher> body) {
        this.registry = registry;
        this.repository = repository;
        this.location = location;
        this.body = body;
    }

    @Override
    public HttpRequest.BodyPublisher body() {
        return body.get();
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
}
