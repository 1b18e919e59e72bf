package io.stevedore.registry.retention;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.access.Caller;
import io.stevedore.registry.auth.audit.AuditLog;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/immutable-tags}: the immutable tag patterns of a repository
 * ({@code /repositories/<name>}) or of a namespace ({@code /namespaces/<ns>}); a repository's
 * tags are immutable when they match its own patterns or its namespace's.
 */
@RestController
@RequestMapping(path = "/api/v1/immutable-tags", produces = MediaType.APPLICATION_JSON_VALUE)
class ImmutableTagsApi {
    static final String RULES_CHANGED = "immutable-tags.changed";
    static final String RULES_DELETED = "immutable-tags.deleted";

    private final RetentionAccess access;
    private final ImmutableTagStore store;
    private final AuditLog audit;

    ImmutableTagsApi(RetentionAccess access, ImmutableTagStore store, AuditLog audit) {
        this.access = access;
        this.store = store;
        this.audit = audit;
    }

    record RulesBody(List<String> patterns) {
    }

    /** @param namespacePatterns for a repository: its namespace's patterns, which apply too */
    record RulesView(String target, List<String> patterns, List<String> namespacePatterns) {
    }

    @GetMapping("/repositories/{*name}")
    RulesView getRepository(HttpServletRequest request, @PathVariable String name) {
        String repository = RetentionAccess.repositoryName(name);
        access.mayRead(request, repository);
        return repositoryView(repository);
    }

    @PutMapping(path = "/repositories/{*name}", consumes = MediaType.APPLICATION_JSON_VALUE)
    RulesView putRepository(HttpServletRequest request, @PathVariable String name, @RequestBody RulesBody body) {
        String repository = RetentionAccess.repositoryName(name);
        put(request, Target.repository(repository), body, access.mayAdminister(request, repository));
        return repositoryView(repository);
    }

    @DeleteMapping("/repositories/{*name}")
    ResponseEntity<Void> deleteRepository(HttpServletRequest request, @PathVariable String name) {
        String repository = RetentionAccess.repositoryName(name);
        return delete(request, Target.repository(repository), access.mayAdminister(request, repository));
    }

    @GetMapping("/namespaces/{namespace}")
    RulesView getNamespace(HttpServletRequest request, @PathVariable String namespace) {
        Target target = Target.namespace(RetentionAccess.namespaceName(namespace));
        access.mayAdministerNamespace(request, target.name());
        return new RulesView(target.toString(), store.find(target).orElse(List.of()), null);
    }

    @PutMapping(path = "/namespaces/{namespace}", consumes = MediaType.APPLICATION_JSON_VALUE)
    RulesView putNamespace(HttpServletRequest request, @PathVariable String namespace, @RequestBody RulesBody body) {
        Target target = Target.namespace(RetentionAccess.namespaceName(namespace));
        List<String> patterns = put(request, target, body, access.mayAdministerNamespace(request, target.name()));
        return new RulesView(target.toString(), patterns, null);
    }

    @DeleteMapping("/namespaces/{namespace}")
    ResponseEntity<Void> deleteNamespace(HttpServletRequest request, @PathVariable String namespace) {
        Target target = Target.namespace(RetentionAccess.namespaceName(namespace));
        return delete(request, target, access.mayAdministerNamespace(request, target.name()));
    }

    private RulesView repositoryView(String repository) {
        Target target = Target.repository(repository);
        return new RulesView(target.toString(), store.find(target).orElse(List.of()),
                store.find(Target.namespace(Target.namespaceOf(repository))).orElse(List.of()));
    }

    private List<String> put(HttpServletRequest request, Target target, RulesBody body, Caller caller) {
        if (body == null || body.patterns() == null) {
            throw ApiException.badRequest("give {\"patterns\": [\"v*\", ...]}");
        }
        List<String> patterns = TagPatterns.check(body.patterns(), "patterns");
        store.put(target, patterns, caller.actor());
        target.audit(audit, RULES_CHANGED, caller.actor(), request.getRemoteAddr(),
                Map.of("target", target.toString(), "patterns", patterns));
        return patterns;
    }

    private ResponseEntity<Void> delete(HttpServletRequest request, Target target, Caller caller) {
        if (!store.delete(target)) {
            throw ApiException.notFound("no immutable tag patterns on " + target);
        }
        target.audit(audit, RULES_DELETED, caller.actor(), request.getRemoteAddr(),
                Map.of("target", target.toString()));
        return ResponseEntity.noContent().build();
    }
}
