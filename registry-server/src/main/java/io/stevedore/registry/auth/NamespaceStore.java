package io.stevedore.registry.auth;

import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Namespaces, the first component of repository names: each is a user's or an organization's. */
@Repository
public class NamespaceStore {

    public enum Kind { USER, ORGANIZATION }

    private final JdbcClient jdbc;

    public NamespaceStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<Kind> kind(String namespace) {
        return jdbc.sql("select kind from namespaces where name = ?").param(namespace).query(String.class)
                .optional().map(kind -> kind.equals("user") ? Kind.USER : Kind.ORGANIZATION);
    }

    /**
     * Whether repositories of the namespace still hold manifests: then the namespace is not
     * deleted, or whoever took its name next would inherit them.
     */
    public boolean holdsImages(String namespace) {
        return jdbc.sql("""
                select exists (select 1 from repositories r
                    where (r.name = ? or starts_with(r.name, ? || '/'))
                    and exists (select 1 from manifests m where m.repository_id = r.id))""")
                .params(namespace, namespace).query(Boolean.class).single();
    }
}
