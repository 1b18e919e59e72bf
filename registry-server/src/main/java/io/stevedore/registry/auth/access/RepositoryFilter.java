package io.stevedore.registry.auth.access;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The repositories a caller may read, as a condition {@link ReadableRepositories} adds to its SQL:
 * public ones always, and besides them every repository, or those named one by one, or those an
 * account's grants cover (a condition the access policy writes, over the row {@code r}). It never
 * leaves this package: other packages ask {@link ReadableRepositories}, not for SQL.
 *
 * @param all             every repository (a site admin, or authentication switched off)
 * @param names           repositories named one by one (what a token grants)
 * @param grantCondition  SQL over the {@code repositories} row {@code r}, true where the account may read
 * @param grantParams     the parameters of {@code grantCondition}
 */
record RepositoryFilter(boolean all, List<String> names, String grantCondition, List<Object> grantParams) {

    static final RepositoryFilter ALL = new RepositoryFilter(true, List.of(), "false", List.of());
    static final RepositoryFilter PUBLIC_ONLY = new RepositoryFilter(false, List.of(), "false", List.of());

    RepositoryFilter {
        names = List.copyOf(names);
        grantParams = Collections.unmodifiableList(new ArrayList<>(grantParams)); // nulls allowed, unlike List.copyOf
    }

    static RepositoryFilter named(List<String> names) {
        return new RepositoryFilter(false, names, "false", List.of());
    }

    /** The condition on the {@code repositories} row aliased {@code r}, to be bound with {@link #params()}. */
    String condition() {
        return "(? or r.visibility = 'public' or r.name = any (?) or " + grantCondition + ")";
    }

    List<Object> params() {
        List<Object> params = new ArrayList<>();
        params.add(all);
        params.add(names.toArray(String[]::new));
        params.addAll(grantParams);
        return params;
    }
}
