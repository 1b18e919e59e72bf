package io.stevedore.registry.distribution;

import io.stevedore.oci.Digest;
import io.stevedore.oci.InvalidDigestException;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.auth.access.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * One request to a distribution route: the servlet pair plus the path variables the router
 * extracted, already validated where a value object can validate them.
 *
 * @param name      the repository, or null for routes without one
 * @param reference the last path variable (digest, tag or upload id), or null
 * @param caller    who sent it, already admitted to the route
 */
public record Exchange(HttpServletRequest request, HttpServletResponse response, RepositoryName name, String reference,
                Caller caller) {

    public String repository() {
        return name.value();
    }

    String param(String key) {
        return request.getParameter(key);
    }

    /** The request's digest parameter or path variable, as a 400 DIGEST_INVALID if malformed. */
    static Digest digest(String text) {
        try {
            return Digest.parse(text);
        } catch (InvalidDigestException e) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, e.getMessage());
        }
    }

    /** The Content-Length the client declared, or -1. */
    long contentLength() {
        return request.getContentLengthLong();
    }

    void status(int status) {
        response.setStatus(status);
    }

    void header(String name, String value) {
        response.setHeader(name, value);
    }
}
