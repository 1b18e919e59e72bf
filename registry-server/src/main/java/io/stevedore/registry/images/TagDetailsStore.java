package io.stevedore.registry.images;

import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * A page of a repository's tags with their manifests and who last pointed each at what it names
 * now: the newest audit entry of a push, tag, copy or import of that tag in that repository
 * (found through the audit log's index on repository).
 */
@Repository
class TagDetailsStore {
    /** The audit events that point a tag at a manifest. */
    static final String[] TAGGING_EVENTS = {"manifest.pushed", ImagesApi.IMAGE_TAGGED, ImagesApi.IMAGE_COPIED,
            ImagesApi.IMAGE_IMPORTED};

    private final JdbcClient jdbc;

    TagDetailsStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** @param pushedBy null when no audit entry names the tag (pushed before auditing, or anonymously) */
    record TagRow(String tag, String digest, String mediaType, byte[] content, Instant pushedAt, String pushedBy) {
    }

    List<TagRow> page(String repository, String last, int limit) {
        return jdbc.sql("""
                select t.name, m.digest, m.media_type, m.content, coalesce(a.at, t.updated_at), a.actor
                from tags t
                join manifests m on m.id = t.manifest_id
                left join lateral (
                    select l.at, l.actor from audit_log l
                    where l.repository = ? and l.event = any (?) and l.detail ->> 'reference' = t.name
                    order by l.id desc limit 1) a on true
                where t.repository_id = (select id from repositories where name = ?) and t.name > ?
                order by t.name limit ?""")
                .params(repository, TAGGING_EVENTS, repository, last == null ? "" : last, limit)
                .query((rs, n) -> new TagRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4),
                        rs.getTimestamp(5).toInstant(), rs.getString(6)))
                .list();
    }
}
