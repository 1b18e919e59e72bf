package io.stevedore.registry.auth.accounts;

import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** Organizations: namespaces owned by a group of users, its admins managing members, teams and robots. */
@Repository
public class OrganizationStore {
    private static final RowMapper<Organization> ORGANIZATION =
            (rs, n) -> new Organization(rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant());
    private static final RowMapper<OrganizationMember> MEMBER =
            (rs, n) -> new OrganizationMember(rs.getLong(1), rs.getString(2), rs.getBoolean(3));

    private final JdbcClient jdbc;

    public OrganizationStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Creates the organization with its creator as its first admin; empty if the name is taken. */
    @Transactional
    public Optional<Organization> create(String name, long creatorId) {
        Optional<Organization> created = jdbc.sql("""
                with namespace as (
                    insert into namespaces (name, kind) values (?, 'organization')
                    on conflict do nothing returning name)
                insert into organizations (name) select name from namespace returning id, name, created_at""")
                .param(name).query(ORGANIZATION).optional();
        created.ifPresent(org -> putMember(org.id(), creatorId, true));
        return created;
    }

    public Optional<Organization> find(String name) {
        return jdbc.sql("select id, name, created_at from organizations where name = ?").param(name)
                .query(ORGANIZATION).optional();
    }

    public List<Organization> list() {
        return jdbc.sql("select id, name, created_at from organizations order by name").query(ORGANIZATION).list();
    }

    /** The organizations the user is a member of. */
    public List<Organization> listOf(long userId) {
        return jdbc.sql("""
                select o.id, o.name, o.created_at from organizations o
                join organization_members m on m.organization_id = o.id
                where m.user_id = ? order by o.name""")
                .param(userId).query(ORGANIZATION).list();
    }

    /** Deletes the organization with its namespace, teams and robots. */
    public boolean delete(String name) {
        return jdbc.sql("delete from namespaces where name = ? and kind = 'organization'").param(name).update() > 0;
    }

    public List<OrganizationMember> members(long organizationId) {
        return jdbc.sql("""
                select u.id, u.username, m.admin from organization_members m join users u on u.id = m.user_id
                where m.organization_id = ? order by u.username""")
                .param(organizationId).query(MEMBER).list();
    }

    public Optional<OrganizationMember> member(long organizationId, long userId) {
        return jdbc.sql("""
                select u.id, u.username, m.admin from organization_members m join users u on u.id = m.user_id
                where m.organization_id = ? and m.user_id = ?""")
                .params(organizationId, userId).query(MEMBER).optional();
    }

    /** Adds the user, or changes whether they are an admin. */
    public void putMember(long organizationId, long userId, boolean admin) {
        jdbc.sql("""
                insert into organization_members (organization_id, user_id, admin) values (?, ?, ?)
                on conflict (organization_id, user_id) do update set admin = excluded.admin""")
                .params(organizationId, userId, admin).update();
    }

    /** Adds the user as a plain member unless they are one already. */
    public void ensureMember(long organizationId, long userId) {
        jdbc.sql("""
                insert into organization_members (organization_id, user_id) values (?, ?)
                on conflict do nothing""")
                .params(organizationId, userId).update();
    }

    /** Removes the user from the organization and from its teams. */
    @Transactional
    public boolean removeMember(long organizationId, long userId) {
        jdbc.sql("""
                delete from team_members tm using teams t
                where t.id = tm.team_id and t.organization_id = ? and tm.user_id = ?""")
                .params(organizationId, userId).update();
        return jdbc.sql("delete from organization_members where organization_id = ? and user_id = ?")
                .params(organizationId, userId).update() > 0;
    }

    public int adminCount(long organizationId) {
        return jdbc.sql("select count(*) from organization_members where organization_id = ? and admin")
                .param(organizationId).query(Integer.class).single();
    }
}
