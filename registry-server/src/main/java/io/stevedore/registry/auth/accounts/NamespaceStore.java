package io.stevedore.registry.auth.accounts;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Namespaces, the first component of repository names: each is a user's or an organization's. */
@Repository
public class NamespaceStore {
    private final JdbcClient jdbc;

    public NamespaceStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Whether a user or an organization has the namespace. */
    public boolean exists(String namespace) {
        return jdbc.sql("select exists (select 1 from namespaces where name = ?)").param(namespace)
                .query(Boolean.class).single();
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
