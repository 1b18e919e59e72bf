package io.stevedore.registry.retention;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.api.ApiNames;
import io.stevedore.registry.auth.AccessGate;
import io.stevedore.registry.auth.AccessRefused;
import io.stevedore.registry.auth.access.AccessPolicy;
import io.stevedore.registry.auth.access.Caller;
import io.stevedore.registry.auth.access.Scope;
import io.stevedore.registry.auth.accounts.Accounts;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/**
 * Who may see and set retention policies and immutable tag rules: on a repository, reading takes
 * pull and the rest its admin role (as deleting does); on a namespace, everything takes being its
 * admin (its user, an admin of its organization, a site admin). Credentials are those of /v2
 * (HTTP Basic or a bearer token); with authentication off everyone may.
 */
@Component
class RetentionAccess {
    private final AccessGate gate;
    private final AccessPolicy policy;
    private final Accounts accounts;

    RetentionAccess(AccessGate gate, AccessPolicy policy, Accounts accounts) {
        this.gate = gate;
        this.policy = policy;
        this.accounts = accounts;
    }

    Caller mayRead(HttpServletRequest request, String repository) {
        return admit(request, Scope.repository(repository, Scope.PULL), "no access to " + repository);
    }

    Caller mayAdminister(HttpServletRequest request, String repository) {
        return admit(request, Scope.repository(repository, Scope.PULL, Scope.PUSH, Scope.DELETE),
                "the retention and immutable tags of " + repository + " take the admin role on it; you have less");
    }

    Caller mayAdministerNamespace(HttpServletRequest request, String namespace) {
        Caller caller = admit(request, null, null);
        boolean allowed = switch (caller) {
            case Caller.Unrestricted u -> true;
            case Caller.Anonymous a -> false;
            case Caller.Password p -> policy.administers(p.account(), namespace);
            case Caller.Bearer b -> b.subject() != null
                    && accounts.find(b.subject()).map(account -> policy.administers(account, namespace)).orElse(false);
        };
        if (!allowed) {
            throw ApiException.forbidden("the retention and immutable tags of namespace " + namespace
                    + " take being its admin");
        }
        return caller;
    }

    static String repositoryName(String name) {
        return ApiNames.repository(name.startsWith("/") ? name.substring(1) : name).value();
    }

    static String namespaceName(String name) {
        if (name.contains("/")) {
            throw ApiException.badRequest("a namespace is one name, without '/': " + name);
        }
        return repositoryName(name);
    }

    private Caller admit(HttpServletRequest request, Scope scope, String denied) {
        try {
            return gate.admit(request, scope);
        } catch (AccessRefused e) {
            throw e.asApiException(denied);
        }
    }
}
