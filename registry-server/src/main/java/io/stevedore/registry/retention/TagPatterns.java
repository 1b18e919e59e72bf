package io.stevedore.registry.retention;

import io.stevedore.registry.api.ApiException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Glob patterns over tag names: {@code *} matches any run of characters (tags hold no {@code /},
 * so {@code **} means the same: every tag), {@code ?} one character; anything else is literal, so
 * {@code v*} is {@code v1} and {@code v1.2.3}, {@code release-*} is {@code release-2024}.
 */
public final class TagPatterns {
    static final int MAX_PATTERNS = 32;
    /** What a tag may hold, plus the wildcards. */
    private static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9_.*?-]{1,128}");

    private TagPatterns() {
    }

    /** The patterns, checked; {@code what} names them in the 400. */
    static List<String> check(List<String> patterns, String what) {
        List<String> given = patterns == null ? List.of() : patterns;
        if (given.size() > MAX_PATTERNS) {
            throw ApiException.badRequest(what + ": at most " + MAX_PATTERNS + " patterns");
        }
        given.forEach(pattern -> check(pattern, what));
        return List.copyOf(given);
    }

    static String check(String pattern, String what) {
        if (pattern == null || !PATTERN.matcher(pattern).matches()) {
            throw ApiException.badRequest(what + ": \"" + pattern + "\" is not a tag pattern"
                    + " (letters, digits, . _ - and the wildcards * ** ?)");
        }
        return pattern;
    }

    /** The first of the patterns that matches the tag. */
    static Optional<String> firstMatch(List<String> patterns, String tag) {
        return patterns.stream().filter(pattern -> matches(pattern, tag)).findFirst();
    }

    static boolean matches(String pattern, String tag) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.matches(regex.toString(), tag);
    }
}
