package io.stevedore.registry.metadata;

import io.stevedore.oci.RepositoryName;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Repositories: created on first push, listed by the catalog, private until made public. */
@Repository
public class RepositoryStore {
    private final JdbcClient jdbc;

    public RepositoryStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<Long> find(RepositoryName name) {
        return jdbc.sql("select id from repositories where name = ?").param(name.value())
                .query(Long.class).optional();
    }

    /**
     * The repository's id, creating the repository if needed (safe under concurrent creators).
     * Inside a transaction the row stays locked {@code FOR KEY SHARE} until it ends: a concurrent
     * repository delete waits for it (and then takes what it linked along), instead of deleting
     * the row from under the links and manifests about to reference it, which would fail their
     * foreign keys. A row deleted while this waited for it is created again.
     */
    public long findOrCreate(RepositoryName name) {
        for (int attempt = 0; ; attempt++) {
            Optional<Long> existing = jdbc.sql("select id from repositories where name = ? for key share")
                    .param(name.value()).query(Long.class).optional();
            if (existing.isPresent()) {
                return existing.get();
            }
            if (attempt == 3) {
                throw new IllegalStateException("repository " + name.value() + " keeps disappearing");
            }
            jdbc.sql("insert into repositories (name) values (?) on conflict (name) do nothing")
                    .param(name.value()).update();
        }
    }

    /** The repository's visibility, if it exists. */
    public Optional<Visibility> visibility(RepositoryName name) {
        return jdbc.sql("select visibility from repositories where name = ?").param(name.value())
                .query(String.class).optional().flatMap(Visibility::parse);
    }

    /** Sets the visibility of an existing repository; false if there is none of that name. */
    public boolean setVisibility(RepositoryName name, Visibility visibility) {
        return jdbc.sql("update repositories set visibility = ? where name = ?")
                .params(visibility.wireName(), name.value()).update() > 0;
    }

    /**
     * Deletes the repository with its manifests, tags, blob links and upload sessions; the blobs
     * no other repository uses are then garbage, freed by the next garbage collection.
     */
    public boolean delete(RepositoryName name) {
        return jdbc.sql("delete from repositories where name = ?").param(name.value()).update() > 0;
    }
}
