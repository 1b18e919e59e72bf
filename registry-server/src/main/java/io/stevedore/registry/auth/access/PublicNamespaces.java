package io.stevedore.registry.auth.access;

import io.stevedore.oci.RepositoryName;

/**
 * Namespaces whose every repository anyone may read, even anonymously, without a row saying so:
 * pull-through cache namespaces opened with {@code anonymous-pull}, whose repositories do not exist
 * until someone pulls them. Implemented where such namespaces are configured (package
 * {@code proxy}), so that this package needs no knowledge of them.
 */
public interface PublicNamespaces {

    boolean readableByAnyone(RepositoryName repository);
}
