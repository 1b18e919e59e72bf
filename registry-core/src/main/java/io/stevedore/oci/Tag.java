package io.stevedore.oci;

import java.util.regex.Pattern;

/** A tag: {@code [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}}, as the distribution spec defines it. */
public record Tag(String value) {

    private static final Pattern GRAMMAR = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");

    public Tag {
        if (value == null || !GRAMMAR.matcher(value).matches()) {
            throw new InvalidNameException("invalid tag '" + RepositoryName.printable(String.valueOf(value))
                    + "': up to 128 characters of [a-zA-Z0-9._-], not starting with '.' or '-'");
        }
    }

    public static boolean isValid(String value) {
        return value != null && GRAMMAR.matcher(value).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
