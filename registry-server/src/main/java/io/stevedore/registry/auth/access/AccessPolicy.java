package io.stevedore.registry.auth.access;

import io.stevedore.oci.InvalidNameException;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.auth.accounts.Account;
import io.stevedore.registry.auth.accounts.Accounts;
import io.stevedore.registry.auth.accounts.BuildAccount;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Who may do what, decided in SQL here and nowhere else. On a repository, an account's role is
 * the highest of: admin for a site admin, for the owner of the namespace (the user named like
 * its first component) and for the admins of the organization owning it; the roles its teams
 * have on the repository or on the whole organization; a robot's own grants on it. Anyone, even
 * anonymous, may read a public repository, and any repository of a {@link PublicNamespaces public
 * namespace}. A signed-in account may list the catalog (which shows
 * only what it may pull). Tokens carry what this allowed when they were issued.
 */
@Component
public class AccessPolicy {

    /**
     * The rank (0 none, 1 read, 2 write, 3 admin) of the account's role on the repository whose
     * name is the SQL expression {@code %1$s}, visibility aside. Parameters, in order: the user
     * id three times, the robot id twice (the other of the two null).
     */
    private static final String GRANTED_RANK = """
            (select coalesce(max(granted.rank), 0) from (
                select 3 as rank from users u
                    where u.id = cast(? as bigint) and (u.admin or u.username = split_part(%1$s, '/', 1))
                union all
                select 3 from organization_members m join organizations o on o.id = m.organization_id
                    where m.user_id = cast(? as bigint) and m.admin and o.name = split_part(%1$s, '/', 1)
                union all
                select %2$s from team_members tm
                    join teams t on t.id = tm.team_id
                    join organizations o on o.id = t.organization_id
                    join team_permissions p on p.team_id = t.id
                    where (tm.user_id = cast(? as bigint) or tm.robot_id = cast(? as bigint))
                    and o.name = split_part(%1$s, '/', 1) and (p.repository is null or p.repository = %1$s)
                union all
                select %3$s from robot_permissions rp
                    where rp.robot_id = cast(? as bigint) and rp.repository = %1$s
            ) granted)""";

    /**
     * The rank of the account's role on the repository {@code ?}, a public one counting as read;
     * its parameters after those of the granted rank.
     */
    private static final String ROLE = "select greatest(" + grantedRank("target.name") + """
            , (select 1 from repositories r where r.name = target.name and r.visibility = 'public'))
            from (select cast(? as text) as name) target""";

    /** Over the {@code repositories} row {@code r}: whether the account may read it, visibility aside. */
    private static final String READABLE = grantedRank("r.name") + " >= 1";

    private final JdbcClient jdbc;
    private final Accounts accounts;
    private final RecentRoles recent;
    private final List<PublicNamespaces> publicNamespaces;

    public AccessPolicy(JdbcClient jdbc, Accounts accounts, RecentRoles recent,
                        List<PublicNamespaces> publicNamespaces) {
        this.jdbc = jdbc;
        this.accounts = accounts;
        this.recent = recent;
        this.publicNamespaces = List.copyOf(publicNamespaces);
    }

    private static String grantedRank(String repositoryExpression) {
        return GRANTED_RANK.formatted(repositoryExpression, Role.RANK_SQL.formatted("p.role"),
                Role.RANK_SQL.formatted("rp.role"));
    }

    private static List<Object> grantedRankParams(Account account) {
        Long user = account == null ? null : account.userId();
        Long robot = account == null ? null : account.robotId();
        List<Object> params = new ArrayList<>();
        params.add(user);
        params.add(user);
        params.add(user);
        params.add(robot);
        params.add(robot);
        return params;
    }

    /** The account's (null: anonymous) role on the repository, public visibility counting as read. */
    public Optional<Role> role(Account account, RepositoryName repository) {
        Optional<Role> role = recent.role(account, repository, () -> {
            List<Object> params = grantedRankParams(account);
            params.add(repository.value());
            return Role.ofRank(jdbc.sql(ROLE).params(params).query(Integer.class).single());
        });
        if (role.isEmpty() && publicNamespaces.stream().anyMatch(open -> open.readableByAnyone(repository))) {
            role = Optional.of(Role.READ);
        }
        return account instanceof BuildAccount build ? cut(build, repository, role) : role;
    }

    /** The submitter's role on the repository, cut to what the build may do there. */
    private static Optional<Role> cut(BuildAccount build, RepositoryName repository, Optional<Role> submitters) {
        Role most = build.writable().contains(repository.value()) ? Role.WRITE : Role.READ;
        return submitters.map(role -> role.ordinal() <= most.ordinal() ? role : most);
    }

    /**
     * Whether the account may manage the namespace (its robots, or as an organization its members
     * and teams): a site admin, the user owning it, an admin of the organization owning it.
     */
    public boolean administers(Account account, String namespace) {
        if (account.userId() == null || account instanceof BuildAccount) {
            return false;
        }
        return jdbc.sql("""
                select exists (select 1 from users u where u.id = ? and (u.admin or u.username = ?))
                    or exists (select 1 from organization_members m join organizations o on o.id = m.organization_id
                               where m.user_id = ? and m.admin and o.name = ?)""")
                .params(account.userId(), namespace, account.userId(), namespace).query(Boolean.class).single();
    }

    /** What the account (null: anonymous) may do on the scope's resource; unknown resources allow nothing. */
    Set<String> permitted(Account account, Scope scope) {
        if (scope.isCatalog()) {
            return account == null ? Set.of() : Set.of(Scope.ALL);
        }
        if (!scope.isRepository()) {
            return Set.of();
        }
        RepositoryName name;
        try {
            name = RepositoryName.of(scope.name());
        } catch (InvalidNameException e) {
            return Set.of();
        }
        return role(account, name).map(Role::actions).orElse(Set.of());
    }

    /**
     * The scopes asked for, each cut to what the account (null: anonymous) may do: never more than
     * asked, never more than allowed. Scopes left with no action are dropped.
     */
    public List<Scope> grant(Account account, List<Scope> requested) {
        List<Scope> granted = new ArrayList<>();
        for (Scope scope : Scope.merge(requested)) {
            Set<String> asked = new HashSet<>(scope.actions());
            if (scope.isRepository() && asked.remove(Scope.ALL)) {
                asked.addAll(Scope.REPOSITORY_ACTIONS);
            }
            asked.retainAll(permitted(account, scope));
            if (!asked.isEmpty()) {
                granted.add(new Scope(scope.type(), scope.name(), asked));
            }
        }
        return granted;
    }

    /** Whether the caller may do every action the scope names. */
    public boolean allows(Caller caller, Scope required) {
        return switch (caller) {
            case Caller.Unrestricted u -> true;
            case Caller.Anonymous a -> permitted(null, required).containsAll(required.actions());
            case Caller.Password p -> permitted(p.account(), required).containsAll(required.actions());
            case Caller.Bearer b -> granted(b.access(), required)
                    || permitted(null, required).containsAll(required.actions());
        };
    }

    /** The repositories the catalog shows the caller: those its account may pull, whatever a token names. */
    RepositoryFilter listable(Caller caller) {
        return switch (caller) {
            case Caller.Unrestricted u -> RepositoryFilter.ALL;
            case Caller.Anonymous a -> RepositoryFilter.PUBLIC_ONLY;
            case Caller.Password p -> readableBy(p.account());
            case Caller.Bearer b -> b.subject() == null ? RepositoryFilter.PUBLIC_ONLY
                    : accounts.find(b.subject()).map(AccessPolicy::readableBy).orElse(RepositoryFilter.PUBLIC_ONLY);
        };
    }

    /**
     * The repositories whose content the caller may read: for a token, only those it grants pull
     * on (and public ones), not everything its account could have asked for.
     */
    RepositoryFilter pullable(Caller caller) {
        if (caller instanceof Caller.Bearer b) {
            List<String> names = b.access().stream()
                    .filter(s -> s.isRepository()
                            && (s.actions().contains(Scope.PULL) || s.actions().contains(Scope.ALL)))
                    .map(Scope::name).toList();
            return RepositoryFilter.named(names);
        }
        return listable(caller);
    }

    private static RepositoryFilter readableBy(Account account) {
        return new RepositoryFilter(false, List.of(), READABLE, grantedRankParams(account));
    }

    private static boolean granted(List<Scope> access, Scope required) {
        Set<String> actions = new HashSet<>();
        for (Scope scope : access) {
            if (scope.type().equals(required.type()) && scope.name().equals(required.name())) {
                actions.addAll(scope.actions());
            }
        }
        return actions.contains(Scope.ALL) || actions.containsAll(required.actions());
    }
}
