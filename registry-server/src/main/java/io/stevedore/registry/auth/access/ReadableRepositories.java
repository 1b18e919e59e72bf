package io.stevedore.registry.auth.access;

import io.stevedore.oci.Digest;
import io.stevedore.registry.metadata.BlobRecordStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The queries that must see only what a caller may read: the catalog, and where an automatic
 * mount may take a blob from. Each is one SQL query with the access policy's condition inside it
 * (so pages stay full and nothing is filtered after the fact); the condition never leaves this
 * package.
 */
@Repository
public class ReadableRepositories {

    /** One page of the catalog as one caller sees it. */
    @FunctionalInterface
    public interface Catalog {
        /** Names of repositories holding at least one manifest, sorted, after {@code last}. */
        List<String> page(String last, int limit);
    }

    private final JdbcClient jdbc;
    private final AccessPolicy policy;
    private final BlobRecordStore blobs;

    public ReadableRepositories(JdbcClient jdbc, AccessPolicy policy, BlobRecordStore blobs) {
        this.jdbc = jdbc;
        this.policy = policy;
        this.blobs = blobs;
    }

    /**
     * The catalog the caller may list: the repositories its account may pull, whatever a token
     * names. Who the caller is gets looked up once, here, not for every page.
     */
    public Catalog catalog(Caller caller) {
        return catalog(caller, null);
    }

    /** The catalog narrowed to names containing {@code containing} (null: all), as the images API searches. */
    public Catalog catalog(Caller caller, String containing) {
        RepositoryFilter readable = policy.listable(caller);
        return (last, limit) -> list(last, limit, containing == null ? "" : containing, readable);
    }

    private List<String> list(String last, int limit, String containing, RepositoryFilter readable) {
        List<Object> params = new ArrayList<>();
        params.add(last == null ? "" : last);
        params.add(containing);
        params.addAll(readable.params());
        params.add(limit);
        return jdbc.sql("""
                select r.name from repositories r
                where r.name > ? and strpos(r.name, ?) > 0
                and exists (select 1 from manifests m where m.repository_id = r.id)
                and """ + readable.condition() + " order by r.name limit ?")
                .params(params)
                .query((rs, n) -> rs.getString(1)).list();
    }

    /**
     * The blob's size if a repository whose content the caller may pull holds it (for a token,
     * one it grants pull on): where an automatic mount (one without {@code from}) may take it
     * from, so that knowing a digest gives no one content they could not pull.
     */
    public Optional<Long> blobSize(Caller caller, Digest digest) {
        RepositoryFilter readable = policy.pullable(caller);
        if (readable.all()) {
            return blobs.size(digest);
        }
        List<Object> params = new ArrayList<>();
        params.add(digest.toString());
        params.addAll(readable.params());
        return jdbc.sql("""
                select b.size from blobs b where b.digest = ? and exists (
                    select 1 from repository_blobs rb join repositories r on r.id = rb.repository_id
                    where rb.digest = b.digest and """ + readable.condition() + ")")
                .params(params).query(Long.class).optional();
    }
}
