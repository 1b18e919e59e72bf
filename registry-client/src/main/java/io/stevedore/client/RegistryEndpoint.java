package io.stevedore.client;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.Set;

/**
 * One registry call, described and interpreted; {@link RegistryCaller} runs it and owns what
 * every call shares: authentication, redirects, retries and error mapping. Each endpoint is a
 * small class (as in jib-core's registry client) so that what a call sends and what it accepts
 * are read in one place.
 *
 * @param <T> what the call yields
 */
interface RegistryEndpoint<T> {

    String method();

    /** Where to send it; {@code base} is the registry's {@code scheme://host[:port]}. */
    URI uri(URI base);

    /** A fresh body for each attempt: a retried or re-authenticated request sends it again. */
    default HttpRequest.BodyPublisher body() {
        return HttpRequest.BodyPublishers.noBody();
    }

    default Map<String, String> headers() {
        return Map.of();
    }

    /** The token scopes the call needs ({@code repository:NAME:pull}, ...), asked for up front under bearer auth. */
    Set<String> scopes();

    /** Whether sending it twice does no harm, so a dropped connection or a 5xx may be retried. */
    default boolean retryable() {
        return method().equals("GET") || method().equals("HEAD");
    }

    /** Whether a body-less request may wait long for the answer's headers; uploads set none. */
    default boolean uploadsBody() {
        return false;
    }

    /** What the call does, for messages: "pull manifest 127.0.0.1:5000/app:1". */
    String description();

    /** Whether {@code status} is an answer this endpoint turns into a result (2xx by default). */
    default boolean accepts(int status) {
        return status / 100 == 2;
    }

    /** The result of an accepted answer. The endpoint may take the body stream; otherwise it is closed after. */
    T handle(RegistryResponse response) throws IOException;

    /** A clearer message than the generic one for a refused call, or null: e.g. "manifest for X not found". */
    default String explain(int status, RegistryError error) {
        return null;
    }
}
