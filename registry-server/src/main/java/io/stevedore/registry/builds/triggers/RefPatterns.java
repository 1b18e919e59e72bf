package io.stevedore.registry.builds.triggers;

import io.stevedore.registry.api.ApiException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Glob patterns over branch and tag names, as GitHub Actions reads them: {@code *} matches within
 * one path segment ({@code release/*} is {@code release/1.0} but not {@code release/1/rc}),
 * {@code **} across segments, {@code ?} one character; anything else is literal.
 */
final class RefPatterns {
    static final int MAX_PATTERNS = 32;
    /** What git allows in a ref name, plus the wildcards. */
    private static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9_./*?+@{}-]{1,255}");

    private RefPatterns() {
    }

    /** The patterns, checked; {@code what} names them in the 400. */
    static List<String> check(List<String> patterns, String what) {
        List<String> given = patterns == null ? List.of() : patterns;
        if (given.size() > MAX_PATTERNS) {
            throw ApiException.badRequest(what + ": at most " + MAX_PATTERNS + " patterns");
        }
        for (String pattern : given) {
            if (pattern == null || !PATTERN.matcher(pattern).matches()) {
                throw ApiException.badRequest(what + ": \"" + pattern + "\" is not a branch or tag name pattern"
                        + " (letters, digits, . _ / - and the wildcards * ** ?)");
            }
        }
        return List.copyOf(given);
    }

    static boolean anyMatches(List<String> patterns, String name) {
        return patterns.stream().anyMatch(pattern -> matches(pattern, name));
    }

    static boolean matches(String pattern, String name) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*' && i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                regex.append(".*");
                i++;
            } else if (c == '*') {
                regex.append("[^/]*");
            } else if (c == '?') {
                regex.append("[^/]");
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.matches(regex.toString(), name);
    }
}
