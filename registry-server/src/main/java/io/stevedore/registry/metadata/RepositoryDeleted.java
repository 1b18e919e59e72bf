package io.stevedore.registry.metadata;

/**
 * Published (as a Spring application event) inside the transaction that deleted a repository, so
 * features that react to it, such as webhooks, record their rows in that same transaction without
 * the deleting API depending on them.
 *
 * @param repository the deleted repository's name
 * @param actor      who deleted it
 */
public record RepositoryDeleted(String repository, String actor) {
}
