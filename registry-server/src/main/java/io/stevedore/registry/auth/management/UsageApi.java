package io.stevedore.registry.auth.management;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.access.AccessPolicy;
import io.stevedore.registry.auth.access.WhenAuthEnabled;
import io.stevedore.registry.auth.accounts.Account;
import io.stevedore.registry.auth.accounts.NamespaceStore;
import io.stevedore.registry.auth.accounts.User;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.usage.UsageStore;
import io.stevedore.registry.usage.UsageStore.NamespaceUsage;
import io.stevedore.registry.usage.UsageStore.RepositoryUsage;
import jakarta.servlet.http.HttpServletRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Storage usage and quotas: a namespace's usage (its user, its organization's admins and site
 * admins read it), the site's (site admins), and namespace quotas, which only site admins set.
 */
@RestController
@WhenAuthEnabled
class UsageApi {
    static final String QUOTA_SET = "quota.set";
    static final String QUOTA_REMOVED = "quota.removed";

    record QuotaChange(Long limitBytes) {
    }

    record QuotaView(String namespace, long limitBytes, long usageBytes) {
    }

    record RepositoryUsageView(String name, long usageBytes) {
    }

    record NamespaceUsageView(String namespace, long usageBytes, Long quotaBytes,
                              List<RepositoryUsageView> repositories) {
    }

    record SiteUsageView(long totalBytes, List<NamespaceUsage> namespaces) {
    }

    private final ApiCaller api;
    private final UsageStore usage;
    private final NamespaceStore namespaces;
    private final AccessPolicy policy;
    private final AuditLog audit;

    UsageApi(ApiCaller api, UsageStore usage, NamespaceStore namespaces, AccessPolicy policy, AuditLog audit) {
        this.api = api;
        this.usage = usage;
        this.namespaces = namespaces;
        this.policy = policy;
        this.audit = audit;
    }

    @GetMapping(path = "/api/v1/usage", produces = MediaType.APPLICATION_JSON_VALUE)
    SiteUsageView site(HttpServletRequest request) {
        api.siteAdmin(request, "reads the site's usage");
        return new SiteUsageView(usage.siteBytes(), usage.namespaces());
    }

    @GetMapping(path = "/api/v1/namespaces/{namespace}/usage", produces = MediaType.APPLICATION_JSON_VALUE)
    NamespaceUsageView namespaceUsage(HttpServletRequest request, @PathVariable String namespace) {
        requireReader(request, namespace);
        NamespaceUsage figures = usage.namespace(namespace);
        List<RepositoryUsageView> repositories = usage.repositoriesOf(namespace).stream()
                .map((RepositoryUsage r) -> new RepositoryUsageView(r.repository(), r.usageBytes())).toList();
        return new NamespaceUsageView(namespace, figures.usageBytes(), figures.quotaBytes(), repositories);
    }

    @GetMapping(path = "/api/v1/namespaces/{namespace}/quota", produces = MediaType.APPLICATION_JSON_VALUE)
    QuotaView quota(HttpServletRequest request, @PathVariable String namespace) {
        requireReader(request, namespace);
        NamespaceUsage figures = usage.namespace(namespace);
        if (figures.quotaBytes() == null) {
            throw ApiException.notFound("namespace " + namespace + " has no quota");
        }
        return new QuotaView(namespace, figures.quotaBytes(), figures.usageBytes());
    }

    @PutMapping(path = "/api/v1/namespaces/{namespace}/quota", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    QuotaView setQuota(HttpServletRequest request, @PathVariable String namespace, @RequestBody QuotaChange body) {
        User admin = api.siteAdmin(request, "sets quotas");
        requireNamespace(namespace);
        if (body.limitBytes() == null || body.limitBytes() < 0) {
            throw ApiException.badRequest("limitBytes must be a number of bytes, 0 or more");
        }
        Long previous = usage.quota(namespace).orElse(null);
        usage.setQuota(namespace, body.limitBytes(), admin.name());
        Map<String, Object> detail = new HashMap<>();
        detail.put("limitBytes", body.limitBytes());
        detail.put("previousLimitBytes", previous);
        audit.record(QUOTA_SET, admin.name(), request.getRemoteAddr(), namespace, null, detail);
        return new QuotaView(namespace, body.limitBytes(), usage.namespace(namespace).usageBytes());
    }

    @DeleteMapping("/api/v1/namespaces/{namespace}/quota")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void removeQuota(HttpServletRequest request, @PathVariable String namespace) {
        User admin = api.siteAdmin(request, "removes quotas");
        requireNamespace(namespace);
        Long previous = usage.quota(namespace).orElse(null);
        if (previous == null || !usage.removeQuota(namespace)) {
            throw ApiException.notFound("namespace " + namespace + " has no quota");
        }
        audit.record(QUOTA_REMOVED, admin.name(), request.getRemoteAddr(), namespace, null,
                Map.of("previousLimitBytes", previous));
    }

    /**
     * Who may read a namespace's usage and quota: whoever administers it. Others get the 404 of a
     * namespace that does not exist; a site admin may read any name (with authentication on,
     * only a site admin can push into a namespace no user or organization has).
     */
    private void requireReader(HttpServletRequest request, String namespace) {
        Account caller = api.login(request).account();
        ApiCaller.requireName(namespace, "namespace");
        if (!policy.administers(caller, namespace)) {
            throw ApiException.notFound("no namespace " + namespace);
        }
    }

    private void requireNamespace(String namespace) {
        ApiCaller.requireName(namespace, "namespace");
        if (!namespaces.exists(namespace)) {
            throw ApiException.notFound("no namespace " + namespace);
        }
    }
}
