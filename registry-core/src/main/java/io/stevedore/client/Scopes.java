package io.stevedore.client;

import io.stevedore.oci.RepositoryName;
import java.util.Set;
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

    /** Push to {@code repository} and read {@code from}, so the registry can mount across them. */
    static Set<String> mount(RepositoryName repository, RepositoryName from) {
        Set<String> scopes = new TreeSet<>(push(repository));
        if (!from.equals(repository)) {
            scopes.add("repository:" + from + ":pull");
        }
        return scopes;
    }
}
