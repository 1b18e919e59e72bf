package io.stevedore.registry.api;

import io.stevedore.oci.InvalidNameException;
import io.stevedore.oci.RepositoryName;

/** Names that /api/v1 callers send in paths and bodies, read or answered with a 400. */
public final class ApiNames {
    private ApiNames() {
    }

    /** A repository name, as the distribution spec allows it; a 400 naming the problem otherwise. */
    public static RepositoryName repository(String name) {
        try {
            return RepositoryName.of(name);
        } catch (InvalidNameException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }
}
