package io.stevedore.client;

import io.stevedore.oci.Digest;
import io.stevedore.oci.ManifestParser;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** An answer whose body is still a stream: an endpoint reads it whole (small documents) or takes it. */
final class RegistryResponse {
    /** Manifests and error documents are small; the distribution spec lets registries refuse above 4 MiB. */
    static final int MAX_DOCUMENT_SIZE = 4 * 1024 * 1024;

    private final HttpResponse<InputStream> response;
    private boolean bodyTaken;

    RegistryResponse(HttpResponse<InputStream> response) {
        this.response = response;
    }

    int status() {
        return response.statusCode();
    }

    URI uri() {
        return response.uri();
    }

    Optional<String> header(String name) {
        return response.headers().firstValue(name);
    }

    List<String> headers(String name) {
        return response.headers().allValues(name);
    }

    /** The Content-Type without its parameters, when the registry sent one. */
    Optional<String> mediaType() {
        return header("Content-Type").map(ManifestParser::stripParameters);
    }

    /** The Docker-Content-Digest the registry claims, when it sent one that looks like a digest. */
    Optional<Digest> contentDigest() {
        return header("Docker-Content-Digest").filter(Digest::looksLikeDigest).map(d -> Digest.parse(d.trim()));
    }

    OptionalLong contentLength() {
        return response.headers().firstValueAsLong("Content-Length");
    }

    /** The body, read whole; more than {@link #MAX_DOCUMENT_SIZE} bytes is an error, not a memory hazard. */
    byte[] document() throws IOException {
        try (InputStream body = takeBody()) {
            byte[] content = body.readNBytes(MAX_DOCUMENT_SIZE + 1);
            if (content.length > MAX_DOCUMENT_SIZE) {
                throw new IOException("the registry's answer to " + uri() + " is larger than " + MAX_DOCUMENT_SIZE
                        + " bytes");
            }
            return content;
        }
    }

    /** The body stream, now owned by the caller. */
    InputStream takeBody() {
        bodyTaken = true;
        return response.body();
    }

    /** Closes the body unless an endpoint took it; frees the connection for reuse. */
    void release() {
        if (!bodyTaken) {
            try {
                response.body().close();
            } catch (IOException ignored) {
                // nothing to do: the connection is dropped instead of reused
            }
        }
    }
}
