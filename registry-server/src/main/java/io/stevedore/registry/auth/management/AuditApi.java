package io.stevedore.registry.auth.management;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.access.AccessPolicy;
import io.stevedore.registry.auth.access.WhenAuthEnabled;
import io.stevedore.registry.auth.accounts.Organization;
import io.stevedore.registry.auth.accounts.OrganizationStore;
import io.stevedore.registry.auth.accounts.User;
import io.stevedore.registry.auth.audit.AuditEntry;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.auth.audit.AuditQuery;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * {@code GET /api/v1/audit}: the audit log, newest first, a page at a time. A site admin reads
 * everything; anyone else the entries of their own namespace and of the organizations they
 * administer.
 */
@RestController
@RequestMapping(path = "/api/v1/audit", produces = MediaType.APPLICATION_JSON_VALUE)
@WhenAuthEnabled
class AuditApi {
    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1000;

    /** @param next the URL of the next (older) page, or null on the last one */
    record Page(List<AuditEntry> entries, String next) {
    }

    private final ApiCaller api;
    private final AuditLog audit;
    private final OrganizationStore organizations;
    private final AccessPolicy policy;

    AuditApi(ApiCaller api, AuditLog audit, OrganizationStore organizations, AccessPolicy policy) {
        this.api = api;
        this.audit = audit;
        this.organizations = organizations;
        this.policy = policy;
    }

    @GetMapping
    Page read(HttpServletRequest request,
              @RequestParam(required = false) String actor,
              @RequestParam(required = false) String repository,
              @RequestParam(required = false) String action,
              @RequestParam(required = false) String since,
              @RequestParam(required = false) String before,
              @RequestParam(required = false) String limit) {
        User caller = api.user(request);
        long pageSize = number(limit, "limit", DEFAULT_LIMIT);
        if (pageSize < 1 || pageSize > MAX_LIMIT) {
            throw ApiException.badRequest("limit must be 1 to " + MAX_LIMIT);
        }
        Long beforeId = before == null ? null : number(before, "before", 0);
        Instant sinceTime = null;
        if (since != null) {
            try {
                sinceTime = Instant.parse(since);
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest("since must be an ISO-8601 instant such as 2030-01-31T00:00:00Z");
            }
        }
        List<AuditEntry> entries = audit.find(new AuditQuery(actor, repository, action, sinceTime,
                caller.admin() ? null : namespacesOf(caller), beforeId, (int) pageSize));
        String next = entries.size() < pageSize ? null
                : UriComponentsBuilder.fromPath("/api/v1/audit")
                        .queryParamIfPresent("actor", java.util.Optional.ofNullable(actor))
                        .queryParamIfPresent("repository", java.util.Optional.ofNullable(repository))
                        .queryParamIfPresent("action", java.util.Optional.ofNullable(action))
                        .queryParamIfPresent("since", java.util.Optional.ofNullable(since))
                        .queryParam("limit", pageSize)
                        .queryParam("before", entries.getLast().id())
                        .encode().build().toUriString();
        return new Page(entries, next);
    }

    /** The user's own namespace and those of the organizations they administer. */
    private List<String> namespacesOf(User user) {
        List<String> namespaces = new ArrayList<>();
        namespaces.add(user.username());
        for (Organization organization : organizations.listOf(user.id())) {
            if (policy.administers(user, organization.name())) {
                namespaces.add(organization.name());
            }
        }
        return namespaces;
    }

    private static long number(String text, String name, long otherwise) {
        if (text == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be a number");
        }
    }
}
