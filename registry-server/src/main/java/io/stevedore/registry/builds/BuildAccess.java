package io.stevedore.registry.builds;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.AccessGate;
import io.stevedore.registry.auth.AccessRefused;
import io.stevedore.registry.auth.Caller;
import io.stevedore.registry.auth.Scope;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Who may do what with builds, by the registry's own access rules: following a build takes pull
 * on its repository, submitting and cancelling take push (write) on every repository it builds
 * into. The credentials are those of /v2 (HTTP Basic or a bearer token); refusals come in the
 * API's error shape.
 */
@Component
class BuildAccess {
    private final AccessGate gate;

    BuildAccess(AccessGate gate) {
        this.gate = gate;
    }

    /** Any signed-in caller (or anyone, with authentication off). */
    Caller signedIn(HttpServletRequest request) {
        return admit(request, null);
    }

    Caller mayPull(HttpServletRequest request, String repository) {
        return admit(request, Scope.repository(repository, Scope.PULL));
    }

    Caller mayPush(HttpServletRequest request, String repository) {
        return admit(request, Scope.repository(repository, Scope.PULL, Scope.PUSH));
    }

    private Caller admit(HttpServletRequest request, Scope scope) {
        try {
            return gate.admit(request, scope);
        } catch (AccessRefused e) {
            HttpStatus status = switch (e.kind()) {
                case UNAUTHORIZED -> HttpStatus.UNAUTHORIZED;
                case DENIED -> HttpStatus.FORBIDDEN;
                case TOO_MANY_REQUESTS -> HttpStatus.TOO_MANY_REQUESTS;
            };
            String message = e.kind() == AccessRefused.Kind.DENIED && scope != null
                    ? "building into " + scope.name() + " takes write access to it; you have less"
                    : e.getMessage();
            if (scope != null && !scope.actions().contains(Scope.PUSH) && e.kind() == AccessRefused.Kind.DENIED) {
                message = "no access to the builds of " + scope.name();
            }
            return rethrow(new ApiException(status, message, e.headers()));
        }
    }

    private static Caller rethrow(ApiException e) {
        throw e;
    }
}
