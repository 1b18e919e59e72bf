package io.stevedore.registry.metadata;

import io.stevedore.json.Json;
import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.Manifest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.type.TypeReference;

/** Manifests, byte-exact, with what they refer to. */
@Repository
public class ManifestStore {
    private static final TypeReference<Map<String, String>> ANNOTATIONS = new TypeReference<>() {
    };
    private final JdbcClient jdbc;
    private final TagStore tags;

    public ManifestStore(JdbcClient jdbc, TagStore tags) {
        this.jdbc = jdbc;
        this.tags = tags;
    }

    public record StoredManifest(String digest, String mediaType, byte[] content) {
    }

    /** Maps the columns {@code digest, media_type, content}, in that order. */
    private static final RowMapper<StoredManifest> STORED_MANIFEST =
            (rs, n) -> new StoredManifest(rs.getString(1), rs.getString(2), rs.getBytes(3));

    /** A manifest that names another as its subject, as the referrers API lists it. */
    public record Referrer(String mediaType, String digest, long size, String artifactType,
                           Map<String, String> annotations) {
    }

    public Optional<StoredManifest> findByDigest(String repository, Digest digest) {
        return jdbc.sql("""
                select m.digest, m.media_type, m.content from manifests m
                join repositories r on r.id = m.repository_id
                where r.name = ? and m.digest = ?""")
                .params(repository, digest.toString())
                .query(STORED_MANIFEST).optional();
    }

    public Optional<StoredManifest> findByTag(String repository, String tag) {
        return jdbc.sql("""
                select m.digest, m.media_type, m.content from tags t
                join repositories r on r.id = t.repository_id
                join manifests m on m.id = t.manifest_id
                where r.name = ? and t.name = ?""")
                .params(repository, tag)
                .query(STORED_MANIFEST).optional();
    }

    /**
     * Stores the manifest unless the repository already holds these exact bytes; returns its id.
     * Its references are written in the same transaction as the row.
     */
    public long insert(long repositoryId, Digest digest, String mediaType, byte[] content, Manifest parsed) {
        return insert(repositoryId, digest, mediaType, content, parsed, null);
    }

    /**
     * Stores the manifest unless the repository already holds these exact bytes, with its
     * references, and points {@code tag} (unless null) at it, as {@link TagStore#put} would; returns
     * its id. One statement, so a manifest push is a handful of round trips, not one per part.
     */
    public long insert(long repositoryId, Digest digest, String mediaType, byte[] content, Manifest parsed,
                       String tag) {
        List<String> kinds = new ArrayList<>();
        List<Descriptor> descriptors = new ArrayList<>();
        if (parsed.config() != null) {
            kinds.add("config");
            descriptors.add(parsed.config());
        }
        parsed.layers().forEach(d -> { kinds.add("layer"); descriptors.add(d); });
        parsed.manifests().forEach(d -> { kinds.add("manifest"); descriptors.add(d); });

        List<Object> params = new ArrayList<>(List.of(repositoryId, digest.toString(), mediaType));
        params.add(parsed.artifactType());
        params.addAll(List.of(content.length, content));
        params.add(parsed.subject() == null ? null : parsed.subject().digest().toString());
        params.add(parsed.annotations().isEmpty() ? null : Json.MAPPER.writeValueAsString(parsed.annotations()));
        StringBuilder sql = new StringBuilder("""
                with created as (
                    insert into manifests (repository_id, digest, media_type, artifact_type, size, content,
                                           subject_digest, annotations)
                    values (?, ?, ?, ?, ?, ?, ?, cast(? as jsonb))
                    on conflict (repository_id, digest) do nothing
                    returning id),
                manifest as (
                    select id from created
                    union all
                    select id from manifests where repository_id = ? and digest = ?)""");
        params.addAll(List.of(repositoryId, digest.toString()));
        if (!descriptors.isEmpty()) {
            // only for a row this statement created: existing bytes have their references
            sql.append("""
                    , referenced as (
                        insert into manifest_references (manifest_id, position, kind, digest, media_type, size)
                        select c.id, r.ordinality - 1, r.kind, r.digest, r.media_type, r.size
                        from created c, unnest(?::text[], ?::text[], ?::text[], ?::bigint[])
                             with ordinality as r(kind, digest, media_type, size, ordinality))""");
            params.addAll(List.of(kinds.toArray(String[]::new),
                    descriptors.stream().map(d -> d.digest().toString()).toArray(String[]::new),
                    descriptors.stream().map(Descriptor::mediaType).toArray(String[]::new),
                    descriptors.stream().map(Descriptor::size).toArray(Long[]::new)));
        }
        if (tag != null) {
            sql.append("""
                    , tagged as (
                        insert into tags (repository_id, name, manifest_id) select ?, ?, id from manifest
                        on conflict (repository_id, name) do update
                        set manifest_id = excluded.manifest_id, updated_at = now())""");
            params.addAll(List.of(repositoryId, tag));
        }
        sql.append("\nselect id from manifest");
        Optional<Long> id = jdbc.sql(sql.toString()).params(params).query(Long.class).optional();
        if (id.isPresent()) {
            return id.get();
        }
        // A concurrent push of the same bytes committed them after this statement's snapshot was
        // taken: its row (and references) are there now; only the tag is left to do.
        long existing = jdbc.sql("select id from manifests where repository_id = ? and digest = ?")
                .params(repositoryId, digest.toString()).query(Long.class).single();
        if (tag != null) {
            tags.put(repositoryId, tag, existing);
        }
        return existing;
    }

    /** Which of the digests are manifests in the repository, locked against deletion until commit. */
    public Set<String> lockExisting(long repositoryId, Collection<String> digests) {
        if (digests.isEmpty()) {
            return Set.of();
        }
        return new HashSet<>(jdbc.sql("""
                select digest from manifests where repository_id = ? and digest = any (?) for share""")
                .params(repositoryId, digests.toArray(String[]::new)).query(String.class).list());
    }

    /**
     * Deletes the manifest and, with it, every tag pointing at it. In the order a push takes its
     * locks: the manifest's row (a push of it share-locks it first), then its tags, in a statement
     * of their own (a push moving one of them to another manifest locks the tag before its usage
     * lock, taken by its triggers at the end of its statement), and only then the manifest, whose
     * delete trigger takes the namespace's usage lock. The other way round, delete and push
     * deadlocked. A tag moved meanwhile no longer matches and stays.
     */
    @Transactional
    public boolean delete(String repository, Digest digest) {
        jdbc.sql("""
                select 1 from manifests m join repositories r on r.id = m.repository_id
                where r.name = ? and m.digest = ? for update of m""")
                .params(repository, digest.toString()).query(Integer.class).optional();
        jdbc.sql("""
                delete from tags t using manifests m, repositories r
                where t.manifest_id = m.id and r.id = m.repository_id and r.name = ? and m.digest = ?""")
                .params(repository, digest.toString()).update();
        return jdbc.sql("""
                delete from manifests m using repositories r
                where r.id = m.repository_id and r.name = ? and m.digest = ?""")
                .params(repository, digest.toString()).update() > 0;
    }

    /**
     * Deletes the manifest if nothing keeps it: no tag points at it, no index of the repository
     * lists it, and it is no referrer of a manifest still there. The row is locked first and the
     * check is a statement of its own, so it sees a push that committed while it waited; a push
     * that comes later waits for this transaction. Call inside a transaction.
     */
    public boolean deleteUnreferenced(long repositoryId, String digest) {
        Optional<Long> id = jdbc.sql("select id from manifests where repository_id = ? and digest = ? for update")
                .params(repositoryId, digest).query(Long.class).optional();
        return id.isPresent() && jdbc.sql("""
                delete from manifests m where m.id = ?
                and not exists (select 1 from tags t where t.manifest_id = m.id)
                and not exists (select 1 from manifest_references r join manifests i on i.id = r.manifest_id
                                where r.kind = 'manifest' and r.digest = m.digest and i.repository_id = m.repository_id)
                and not exists (select 1 from manifests s
                                where s.repository_id = m.repository_id and s.digest = m.subject_digest)""")
                .param(id.get()).update() > 0;
    }

    /** Manifests of the repository whose subject is {@code subject}, optionally of one artifact type. */
    public List<Referrer> referrers(String repository, Digest subject, String artifactType) {
        List<Object> params = new ArrayList<>(List.of(repository, subject.toString()));
        String filter = "";
        if (artifactType != null) {
            filter = " and m.artifact_type = ?";
            params.add(artifactType);
        }
        return jdbc.sql("""
                select m.media_type, m.digest, m.size, m.artifact_type, m.annotations::text from manifests m
                join repositories r on r.id = m.repository_id
                where r.name = ? and m.subject_digest = ?""" + filter + " order by m.digest")
                .params(params)
                .query((rs, n) -> new Referrer(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4),
                        rs.getString(5) == null ? Map.of() : Json.MAPPER.readValue(rs.getString(5), ANNOTATIONS)))
                .list();
    }
}
