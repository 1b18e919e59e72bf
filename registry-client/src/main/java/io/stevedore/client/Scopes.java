package io.stevedore.client;

import io.stevedore.oci.RepositoryName;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Token scopes of the Docker token specification, as a call needs them. */
final class Scopes {
    private Scopes() {
    }

    static Set<String> pull(RepositoryName repository) {
        return Set.of("repository:" + repository + ":pull");
    }

    static Set<String> push(RepositoryName repository) {
        return Set.of("repository:" + repository + ":pull,push");
    }

    /**
     * The union of scope sets, one scope per resource with the union of its actions, so that a
     * challenge's {@code repository:a:pull} adds nothing to our {@code repository:a:pull,push}.
     * Actions are sorted, so equal sets are equal strings (and cache keys).
     */
    static Set<String> merge(Collection<String> scopes, Collection<String> more) {
        Map<String, Set<String>> actionsByResource = new TreeMap<>();
        for (Collection<String> each : List.of(scopes, more)) {
            for (String scope : each) {
                int first = scope.indexOf(':');
                int last = scope.lastIndexOf(':');
                if (first <= 0 || last == first) {
                    actionsByResource.computeIfAbsent(scope, k -> new TreeSet<>()); // not ours to understand: kept as is
                    continue;
                }
                Set<String> actions = actionsByResource.computeIfAbsent(scope.substring(0, last), k -> new TreeSet<>());
                for (String action : scope.substring(last + 1).split(",")) {
                    if (!action.isBlank()) {
                        actions.add(action.trim());
                    }
                }
            }
        }
        Set<String> merged = new TreeSet<>();
        actionsByResource.forEach((resource, actions) ->
                merged.add(actions.isEmpty() ? resource : resource + ":" + String.join(",", actions)));
        return Set.copyOf(merged);
    }

    /** Push to {@code repository} and read {@code from}, so the registry can mount across them. */
    static Set<String> mount(RepositoryName repository, RepositoryName from) {
        Set<String> scopes = new TreeSet<>(push(repository));
        if (!from.equals(repository)) {
            scopes.add("repository:" + from + ":pull");
        }
        return scopes;
    }
}
