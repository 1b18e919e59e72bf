package io.stevedore.registry.images;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.AccessGate;
import io.stevedore.registry.auth.AccessRefused;
import io.stevedore.registry.auth.access.Caller;
import io.stevedore.registry.auth.access.Scope;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Who may do what through the images API, by the same rules as {@code /v2/}: viewing and
 * exporting take pull, tagging, copying into and importing into a repository take push, deleting
 * takes delete (what {@code DELETE /v2/<name>/manifests/<reference>} needs). Reading is refused
 * with 404 alike for a repository that does not exist and one the caller may not see.
 */
@Component
class ImageAccess {
    private final AccessGate gate;

    ImageAccess(AccessGate gate) {
        this.gate = gate;
    }

    /** Anyone signed in (the repository list shows each caller only what it may read). */
    Caller signedIn(HttpServletRequest request) {
        return admit(request, null, null);
    }

    Caller mayRead(HttpServletRequest request, String repository) {
        try {
            return admit(request, Scope.repository(repository, Scope.PULL), "no repository " + repository);
        } catch (ApiException e) {
            if (e.status() == HttpStatus.FORBIDDEN) {
                throw ApiException.notFound("no repository " + repository);
            }
            throw e;
        }
    }

    Caller mayWrite(HttpServletRequest request, String repository) {
        return admit(request, Scope.repository(repository, Scope.PULL, Scope.PUSH),
                "changing " + repository + " takes write access to it; you have less");
    }

    Caller mayDelete(HttpServletRequest request, String repository) {
        return admit(request, Scope.repository(repository, Scope.DELETE),
                "deleting from " + repository + " takes the admin role on it; you have less");
    }

    private Caller admit(HttpServletRequest request, Scope scope, String denied) {
        try {
            return gate.admit(request, scope);
        } catch (AccessRefused e) {
            throw e.asApiException(denied);
        }
    }
}
