package io.stevedore.registry.auth;

import io.stevedore.oci.InvalidNameException;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.auth.UserStore.User;
import io.stevedore.registry.metadata.RepositoryFilter;
import io.stevedore.registry.metadata.RepositoryStore;
import io.stevedore.registry.metadata.Visibility;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Who may do what: the admin everything; a user everything in their namespace (the first
 * component of a repository name is their user name); anyone, even anonymous, may pull a public
 * repository; a signed-in user may list the catalog (which shows only what they may pull).
 * Tokens carry what this allowed when they were issued.
 */
@Component
public class AccessPolicy {
    private final RepositoryStore repositories;
    private final UserStore users;

    public AccessPolicy(RepositoryStore repositories, UserStore users) {
        this.repositories = repositories;
        this.users = users;
    }

    /** What the user (null: anonymous) may do on the scope's resource; unknown resources allow nothing. */
    Set<String> permitted(User user, Scope scope) {
        if (scope.isCatalog()) {
            return user == null ? Set.of() : Set.of(Scope.ALL);
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
        if (user != null && (user.admin() || owns(user, name))) {
            return Scope.REPOSITORY_ACTIONS;
        }
        boolean isPublic = repositories.visibility(name).orElse(Visibility.PRIVATE) == Visibility.PUBLIC;
        return isPublic ? Set.of(Scope.PULL) : Set.of();
    }

    /**
     * The scopes asked for, each cut to what the user (null: anonymous) may do: never more than
     * asked, never more than allowed. Scopes left with no action are dropped.
     */
    public List<Scope> grant(User user, List<Scope> requested) {
        List<Scope> granted = new ArrayList<>();
        for (Scope scope : Scope.merge(requested)) {
            Set<String> asked = new HashSet<>(scope.actions());
            if (scope.isRepository() && asked.remove(Scope.ALL)) {
                asked.addAll(Scope.REPOSITORY_ACTIONS);
            }
            asked.retainAll(permitted(user, scope));
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
            case Caller.Password p -> permitted(p.user(), required).containsAll(required.actions());
            case Caller.Bearer b -> granted(b.access(), required)
                    || permitted(null, required).containsAll(required.actions());
        };
    }

    /** The repositories the catalog shows the caller: those its user may pull, whatever a token names. */
    public RepositoryFilter listable(Caller caller) {
        return switch (caller) {
            case Caller.Unrestricted u -> RepositoryFilter.ALL;
            case Caller.Anonymous a -> RepositoryFilter.PUBLIC_ONLY;
            case Caller.Password p -> readableBy(p.user());
            case Caller.Bearer b -> b.subject() == null ? RepositoryFilter.PUBLIC_ONLY
                    : users.find(b.subject()).map(AccessPolicy::readableBy).orElse(RepositoryFilter.PUBLIC_ONLY);
        };
    }

    /**
     * The repositories whose content the caller may read: for a token, only those it grants pull
     * on (and public ones), not everything its user could have asked for.
     */
    public RepositoryFilter pullable(Caller caller) {
        if (caller instanceof Caller.Bearer b) {
            List<String> names = b.access().stream()
                    .filter(s -> s.isRepository()
                            && (s.actions().contains(Scope.PULL) || s.actions().contains(Scope.ALL)))
                    .map(Scope::name).toList();
            return new RepositoryFilter(false, null, names);
        }
        return listable(caller);
    }

    /** Whether the repository is in the user's namespace. */
    static boolean owns(User user, RepositoryName name) {
        String value = name.value();
        int slash = value.indexOf('/');
        return (slash < 0 ? value : value.substring(0, slash)).equals(user.username());
    }

    private static RepositoryFilter readableBy(User user) {
        return user.admin() ? RepositoryFilter.ALL : new RepositoryFilter(false, user.username(), List.of());
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
