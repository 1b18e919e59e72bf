package io.stevedore.registry.retention;

import io.stevedore.registry.auth.audit.AuditLog;
import java.util.Map;

/**
 * What a retention policy or immutable tag rule is set on: one repository, or every repository
 * of a namespace (the first component of their names).
 */
public record Target(Kind kind, String name) {

    public enum Kind {
        REPOSITORY, NAMESPACE;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static Target repository(String name) {
        return new Target(Kind.REPOSITORY, name);
    }

    static Target namespace(String name) {
        return new Target(Kind.NAMESPACE, name);
    }

    /** The namespace of a repository name: its first path component. */
    static String namespaceOf(String repository) {
        int slash = repository.indexOf('/');
        return slash < 0 ? repository : repository.substring(0, slash);
    }

    /** An audit entry about a change of this target, which the namespace's admins may read. */
    void audit(AuditLog audit, String event, String actor, String clientAddress, Map<String, ?> detail) {
        if (kind == Kind.REPOSITORY) {
            audit.recordRepository(event, actor, clientAddress, name, detail);
        } else {
            audit.record(event, actor, clientAddress, name, null, detail);
        }
    }

    @Override
    public String toString() {
        return kind.wireName() + " " + name;
    }
}
