package io.stevedore.registry.retention;

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

    @Override
    public String toString() {
        return kind.wireName() + " " + name;
    }
}
