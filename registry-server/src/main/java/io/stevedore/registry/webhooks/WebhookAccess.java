package io.stevedore.registry.webhooks;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.AccessGate;
import io.stevedore.registry.auth.AccessRefused;
import io.stevedore.registry.auth.access.AccessPolicy;
import io.stevedore.registry.auth.access.Caller;
import io.stevedore.registry.auth.access.Scope;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/**
 * Who may manage webhooks, which hold a secret and learn of everything pushed: a repository's
 * by whoever has the admin role on it (robots with that grant included), a namespace's by its
 * admins (a site admin, the user owning it, an admin of the organization owning it), who sign in
 * with HTTP Basic as on the rest of the management API.
 */
@Component
class WebhookAccess {
    private final AccessGate gate;
    private final AccessPolicy policy;

    WebhookAccess(AccessGate gate, AccessPolicy policy) {
        this.gate = gate;
        this.policy = policy;
    }

    /** The caller, if they may manage the webhooks of this namespace (repository null) or repository. */
    Caller mayManage(HttpServletRequest request, String namespace, String repository) {
        if (repository != null) {
            return admit(request, Scope.repository(repository, Scope.PULL, Scope.PUSH, Scope.DELETE),
                    "the webhooks of " + repository + " take the admin role on it");
        }
        Caller caller = admit(request, null, null);
        boolean allowed = switch (caller) {
            case Caller.Unrestricted unrestricted -> true;
            case Caller.Password password -> policy.administers(password.account(), namespace);
            default -> false;
        };
        if (!allowed) {
            throw ApiException.forbidden("the webhooks of namespace " + namespace
                    + " take an admin of it, signed in with HTTP Basic");
        }
        return caller;
    }

    Caller mayManage(HttpServletRequest request, Webhook webhook) {
        return mayManage(request, webhook.namespace(), webhook.repository());
    }

    private Caller admit(HttpServletRequest request, Scope scope, String denied) {
        try {
            return gate.admit(request, scope);
        } catch (AccessRefused e) {
            throw e.asApiException(denied);
        }
    }
}
