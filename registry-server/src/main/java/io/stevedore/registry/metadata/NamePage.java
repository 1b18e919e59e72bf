package io.stevedore.registry.metadata;

/**
 * One page of a sorted listing of names, already as a JSON array ({@code ["a","b"]}): a tag
 * listing is copied from PostgreSQL's text to the response without an object per name, which
 * was most of a page's cost in the server.
 *
 * @param json the names of the page as a JSON array of strings
 * @param size how many names it holds
 * @param last the last of them, for the next page's {@code last}; null when empty
 * @param more whether names follow the page
 */
public record NamePage(String json, int size, String last, boolean more) {
}
