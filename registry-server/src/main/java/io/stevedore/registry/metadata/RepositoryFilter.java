package io.stevedore.registry.metadata;

import java.util.ArrayList;
import java.util.List;

/**
 * The repositories a caller may read, as a condition the stores add to their SQL: public ones
 * always, and besides them every repository, or one namespace, or repositories named one by one.
 *
 * @param all       every repository (the admin, or authentication switched off)
 * @param namespace a user's namespace: {@code namespace/...} and the repository named just
 *                  {@code namespace}; or null
 * @param names     repositories named one by one (what a token grants)
 */
public record RepositoryFilter(boolean all, String namespace, List<String> names) {

    public static final RepositoryFilter ALL = new RepositoryFilter(true, null, List.of());
    public static final RepositoryFilter PUBLIC_ONLY = new RepositoryFilter(false, null, List.of());

    public RepositoryFilter {
        names = List.copyOf(names);
    }

    /** The condition on the {@code repositories} row aliased {@code r}, to be bound with {@link #params()}. */
    String condition() {
        return "(? or r.visibility = 'public' or r.name = any (?) or r.name = cast(? as text)"
                + " or starts_with(r.name, cast(? as text) || '/'))";
    }

    List<Object> params() {
        List<Object> params = new ArrayList<>();
        params.add(all);
        params.add(names.toArray(String[]::new));
        params.add(namespace);
        params.add(namespace);
        return params;
    }
}
