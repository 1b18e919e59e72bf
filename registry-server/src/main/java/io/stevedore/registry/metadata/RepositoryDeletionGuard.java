package io.stevedore.registry.metadata;

import java.util.Optional;

/**
 * A rule that can refuse the deletion of a whole repository, asked by the deleting request in
 * its transaction before the delete (implemented by retention.ImmutableTags: a repository that
 * holds an immutable tag is not deleted, as Harbor and GitLab refuse it).
 */
public interface RepositoryDeletionGuard {

    /** Why the repository may not be deleted, or empty. May lock what it decides on until the transaction ends. */
    Optional<String> refusal(String repository);
}
