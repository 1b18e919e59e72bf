package io.stevedore.builder.context;

/**
 * Go's {@code path/filepath.Match} on slash-separated names: {@code *} and {@code ?} never match
 * '/', {@code [...]} classes with ranges and {@code ^} negation, backslash escapes. Docker matches
 * COPY/ADD sources and validates .dockerignore patterns with it.
 */
final class GlobPattern {
    private static final int SEPARATOR = '/';

    private GlobPattern() {}

    static boolean hasMeta(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '\\') {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code name} matches; throws {@link BadPatternException} for a malformed pattern. */
    static boolean matches(String patternText, String nameText) {
        int[] pattern = patternText.codePoints().toArray();
        int[] name = nameText.codePoints().toArray();
        int p = 0;
        int n = 0;
        outer:
        while (p < pattern.length) {
            boolean star = false;
            while (p < pattern.length && pattern[p] == '*') {
                p++;
                star = true;
            }
            int chunkStart = p;
            int chunkEnd = scanChunkEnd(pattern, p);
            p = chunkEnd;
            if (star && chunkStart == chunkEnd) {
                for (int i = n; i < name.length; i++) {
                    if (name[i] == SEPARATOR) {
                        return false;
                    }
                }
                return true;
            }
            int rest = matchChunk(pattern, chunkStart, chunkEnd, name, n);
            if (rest >= 0 && (rest == name.length || p < pattern.length)) {
                n = rest;
                continue;
            }
            if (star) {
                for (int i = n; i < name.length && name[i] != SEPARATOR; i++) {
                    int t = matchChunk(pattern, chunkStart, chunkEnd, name, i + 1);
                    if (t >= 0) {
                        if (p == pattern.length && t < name.length) {
                            continue;
                        }
                        n = t;
                        continue outer;
                    }
                }
            }
            // Before answering no, make sure the rest of the pattern is well formed.
            while (p < pattern.length) {
                while (p < pattern.length && pattern[p] == '*') {
                    p++;
                }
                int end = scanChunkEnd(pattern, p);
                matchChunk(pattern, p, end, new int[0], 0);
                p = end;
            }
            return false;
        }
        return n == name.length;
    }

    /** Throws {@link BadPatternException} when {@code pattern} is malformed. */
    static void validate(String pattern) {
        matches(pattern, ".");
    }

    private static int scanChunkEnd(int[] pattern, int from) {
        boolean inRange = false;
        int i = from;
        for (; i < pattern.length; i++) {
            switch (pattern[i]) {
                case '\\' -> {
                    if (i + 1 < pattern.length) {
                        i++;
                    }
                }
                case '[' -> inRange = true;
                case ']' -> inRange = false;
                case '*' -> {
                    if (!inRange) {
                        return i;
                    }
                }
                default -> { }
            }
        }
        return i;
    }

    /** Matches one chunk at name[n..]; the index after the match, or -1. */
    private static int matchChunk(int[] pattern, int c, int end, int[] name, int n) {
        boolean failed = false;
        while (c < end) {
            if (!failed && n >= name.length) {
                failed = true;
            }
            switch (pattern[c]) {
                case '[' -> {
                    int r = -1;
                    if (!failed) {
                        r = name[n++];
                    }
                    c++;
                    boolean negated = false;
                    if (c < end && pattern[c] == '^') {
                        negated = true;
                        c++;
                    }
                    boolean match = false;
                    int ranges = 0;
                    while (true) {
                        if (c < end && pattern[c] == ']' && ranges > 0) {
                            c++;
                            break;
                        }
                        int[] lo = escaped(pattern, c, end);
                        c = lo[1];
                        int hi = lo[0];
                        if (pattern[c] == '-') {
                            int[] h = escaped(pattern, c + 1, end);
                            hi = h[0];
                            c = h[1];
                        }
                        if (lo[0] <= r && r <= hi) {
                            match = true;
                        }
                        ranges++;
                    }
                    if (match == negated) {
                        failed = true;
                    }
                }
                case '?' -> {
                    if (!failed) {
                        if (name[n] == SEPARATOR) {
                            failed = true;
                        }
                        n++;
                    }
                    c++;
                }
                default -> {
                    if (pattern[c] == '\\') {
                        c++;
                        if (c >= end) {
                            throw new BadPatternException();
                        }
                    }
                    if (!failed) {
                        if (pattern[c] != name[n]) {
                            failed = true;
                        }
                        n++;
                    }
                    c++;
                }
            }
        }
        return failed ? -1 : n;
    }

    /** A class member at pattern[c], escapes resolved: {code point, next index}. */
    private static int[] escaped(int[] pattern, int c, int end) {
        if (c >= end || pattern[c] == '-' || pattern[c] == ']') {
            throw new BadPatternException();
        }
        if (pattern[c] == '\\') {
            c++;
            if (c >= end) {
                throw new BadPatternException();
            }
        }
        int r = pattern[c];
        c++;
        if (c >= end) {
            throw new BadPatternException();
        }
        return new int[] {r, c};
    }

    static final class BadPatternException extends RuntimeException {
        BadPatternException() {
            super("syntax error in pattern");
        }
    }
}
