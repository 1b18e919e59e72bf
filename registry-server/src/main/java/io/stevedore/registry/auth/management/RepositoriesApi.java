package io.stevedore.registry.auth.management;

import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.access.AccessPolicy;
import io.stevedore.registry.auth.access.Role;
import io.stevedore.registry.auth.access.WhenAuthEnabled;
import io.stevedore.registry.auth.accounts.Account;
import io.stevedore.registry.auth.accounts.User;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.metadata.DeadlockRetry;
import io.stevedore.registry.metadata.RepositoryDeleted;
import io.stevedore.registry.metadata.RepositoryDeletionGuard;
import io.stevedore.registry.metadata.RepositoryStore;
import io.stevedore.registry.metadata.Visibility;
import io.stevedore.registry.usage.UsageStore;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/repositories/<name>}: read a repository's visibility (whoever may pull it),
 * change it, and delete the repository (whoever has the admin role on it, or a site admin).
 */
@RestController
@RequestMapping(path = "/api/v1/repositories", produces = MediaType.APPLICATION_JSON_VALUE)
@WhenAuthEnabled
class RepositoriesApi {

    record RepositoryChange(String visibility) {
    }

    /**
     * @param role       the caller's role on it
     * @param usageBytes what its manifests occupy (see {@link UsageStore})
     */
    record RepositoryView(String name, String visibility, String role, long usageBytes) {
    }

    private final ApiCaller api;
    private final RepositoryStore repositories;
    private final AccessPolicy policy;
    private final AuditLog audit;
    private final UsageStore usage;
    private final TransactionTemplate transaction;
    private final ApplicationEventPublisher events;
    private final RepositoryDeletionGuard deletionGuard;

    RepositoriesApi(ApiCaller api, RepositoryStore repositories, AccessPolicy policy, AuditLog audit,
                    UsageStore usage, TransactionTemplate transaction, ApplicationEventPublisher events,
                    RepositoryDeletionGuard deletionGuard) {
        this.deletionGuard = deletionGuard;
        this.usage = usage;
        this.transaction = transaction;
        this.events = events;
        this.api = api;
        this.repositories = repositories;
        this.policy = policy;
        this.audit = audit;
    }

    /** 404 alike for a repository that does not exist and one the caller may not pull. */
    @GetMapping("/{*name}")
    RepositoryView get(HttpServletRequest request, @PathVariable String name) {
        Account caller = api.login(request).account();
        RepositoryName repository = ApiCaller.repositoryName(name);
        Role role = policy.role(caller, repository).orElseThrow(() -> noSuchRepository(repository));
        Visibility visibility = repositories.visibility(repository).orElseThrow(() -> noSuchRepository(repository));
        return new RepositoryView(repository.value(), visibility.wireName(), role.wireName(),
                usage.repositoryBytes(repository));
    }

    @PatchMapping(path = "/{*name}", consumes = MediaType.APPLICATION_JSON_VALUE)
    RepositoryView change(HttpServletRequest request, @PathVariable String name, @RequestBody RepositoryChange body) {
        Account caller = api.login(request).account();
        RepositoryName repository = ApiCaller.repositoryName(name);
        if (policy.role(caller, repository).orElse(null) != Role.ADMIN) {
            throw ApiException.forbidden("changing " + repository.value() + " takes the admin role on it");
        }
        Visibility visibility = Visibility.parse(body.visibility())
                .orElseThrow(() -> ApiException.badRequest("visibility must be \"public\" or \"private\""));
        if (!repositories.setVisibility(repository, visibility)) {
            throw noSuchRepository(repository);
        }
        audit.recordRepository(AuditLog.VISIBILITY_CHANGED, caller.name(), request.getRemoteAddr(),
                repository.value(), Map.of("repository", repository.value(), "visibility", visibility.wireName()));
        return new RepositoryView(repository.value(), visibility.wireName(), Role.ADMIN.wireName(),
                usage.repositoryBytes(repository));
    }

    /** Deletes the repository's manifests, tags and links at once; garbage collection frees the bytes. */
    @DeleteMapping("/{*name}")
    ResponseEntity<Void> delete(HttpServletRequest request, @PathVariable String name) {
        Account caller = api.login(request).account();
        RepositoryName repository = ApiCaller.repositoryName(name);
        boolean siteAdmin = caller instanceof User user && user.admin();
        if (!siteAdmin && policy.role(caller, repository).orElse(null) != Role.ADMIN) {
            throw ApiException.forbidden("deleting " + repository.value() + " takes the admin role on it");
        }
        // One transaction: the audit row and the webhook event (recorded by a listener of
        // RepositoryDeleted, synchronously, on this thread) commit with the delete or not at all.
        DeadlockRetry.run(transaction, status -> {
            deletionGuard.refusal(repository.value()).ifPresent(refusal -> {
                throw ApiException.forbidden(refusal);
            });
            if (!repositories.delete(repository)) {
                throw noSuchRepository(repository);
            }
            audit.recordRepository(AuditLog.REPOSITORY_DELETED, caller.name(), request.getRemoteAddr(),
                    repository.value(), Map.of("repository", repository.value()));
            events.publishEvent(new RepositoryDeleted(repository.value(), caller.name()));
        });
        return ResponseEntity.noContent().build();
    }

    private static ApiException noSuchRepository(RepositoryName repository) {
        return ApiException.notFound("no repository " + repository.value());
    }
}
