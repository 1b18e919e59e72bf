package io.stevedore.registry.builds;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.AccessGate;
import io.stevedore.registry.auth.AccessRefused;
import io.stevedore.registry.auth.access.Caller;
import io.stevedore.registry.auth.access.Scope;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/**
 * Who may do what with builds, by the registry's own access rules: following a build takes pull
 * on its repository, submitting and cancelling take push (write) on every repository it builds
 * into, and managing the build triggers of a repository (which hold secrets and build as their
 * creator) takes its admin role. The credentials are those of /v2 (HTTP Basic or a bearer
 * token); refusals come in the API's error shape.
 */
@Component
public class BuildAccess {
    private final AccessGate gate;

    BuildAccess(AccessGate gate) {
        this.gate = gate;
    }

    /** Any signed-in caller (or anyone, with authentication off). */
    public Caller signedIn(HttpServletRequest request) {
        return admit(request, null, null);
    }

    public Caller mayPull(HttpServletRequest request, String repository) {
        return admit(request, Scope.repository(repository, Scope.PULL), "no access to the builds of " + repository);
    }

    public Caller mayPush(HttpServletRequest request, String repository) {
        return admit(request, Scope.repository(repository, Scope.PULL, Scope.PUSH),
                "building into " + repository + " takes write access to it; you have less");
    }

    /** The admin role: every repository action, delete included. */
    public Caller mayAdminister(HttpServletRequest request, String repository) {
        return admit(request, Scope.repository(repository, Scope.PULL, Scope.PUSH, Scope.DELETE),
                "the build triggers of " + repository + " take the admin role on it; you have less");
    }

    private Caller admit(HttpServletRequest request, Scope scope, String denied) {
        try {
            return gate.admit(request, scope);
        } catch (AccessRefused e) {
            throw e.toApiException(denied);
        }
    }
}
