package io.stevedore.oci;

import java.util.regex.Pattern;

/**
 * A repository name as the distribution spec's grammar allows it: lower-case path components
 * separated by {@code /}, each made of alphanumerics joined by {@code .}, {@code _}, {@code __}
 * or runs of {@code -}. Validated on creation; a name can never hold {@code ..}, an absolute path
 * or anything else that would matter if it reached a file system.
 */
public record RepositoryName(String value) implements Comparable<RepositoryName> {

    /** Distribution's limit, which clients also assume. */
    public static final int MAX_LENGTH = 255;

    private static final Pattern GRAMMAR = Pattern.compile(
            "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");

    public RepositoryName {
        if (value == null || value.isEmpty()) {
            throw new InvalidNameException("repository name is empty");
        }
        if (value.length() > MAX_LENGTH) {
            throw new InvalidNameException("repository name is longer than " + MAX_LENGTH + " characters");
        }
        if (!GRAMMAR.matcher(value).matches()) {
            throw new InvalidNameException("invalid repository name '" + printable(value)
                    + "': lower-case path components of [a-z0-9] joined by '.', '_', '__' or '-'");
        }
    }

    public static RepositoryName of(String value) {
        return new RepositoryName(value);
    }

    static String printable(String text) {
        String s = text.replaceAll("[^\\x20-\\x7e]", "?");
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    @Override
    public int compareTo(RepositoryName other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
