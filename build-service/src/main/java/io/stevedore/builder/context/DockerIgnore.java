package io.stevedore.builder.context;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * .dockerignore rules with moby/patternmatcher semantics: patterns are trimmed and Clean'd, a
 * leading '/' is dropped, '#' lines are comments, '!' re-includes, '**' crosses directories, the
 * last matching rule wins, and a path is excluded when it or one of its parent directories is.
 * The Dockerfile and .dockerignore at the root are never excluded: Docker sends them regardless.
 */
public final class DockerIgnore {
    private static final Set<String> ALWAYS_SENT = Set.of("Dockerfile", ".dockerignore");
    private static final DockerIgnore NONE = new DockerIgnore(List.of());

    private final List<Rule> rules;
    private final boolean hasExceptions;

    private DockerIgnore(List<Rule> rules) {
        this.rules = rules;
        this.hasExceptions = rules.stream().anyMatch(Rule::exception);
    }

    public static DockerIgnore none() {
        return NONE;
    }

    /** Parses the file's text; a malformed pattern is a {@link BuildContextException} naming it. */
    public static DockerIgnore parse(String text) {
        List<Rule> rules = new ArrayList<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            String pattern = line.strip();
            if (pattern.isEmpty() || pattern.startsWith("#")) {
                continue;
            }
            boolean exception = pattern.startsWith("!");
            if (exception) {
                pattern = pattern.substring(1).strip();
                if (pattern.isEmpty()) {
                    throw new BuildContextException(".dockerignore line " + (i + 1) + ": illegal exclusion pattern \"!\"");
                }
            }
            pattern = PathNames.clean(pattern);
            if (pattern.length() > 1 && pattern.startsWith("/")) {
                pattern = pattern.substring(1);
            }
            try {
                GlobPattern.validate(pattern);
            } catch (GlobPattern.BadPatternException e) {
                throw new BuildContextException(".dockerignore line " + (i + 1) + ": malformed pattern '" + pattern + "'");
            }
            rules.add(Rule.compile(pattern, exception));
        }
        return new DockerIgnore(List.copyOf(rules));
    }

    /** Whether {@code relativePath} (slash-separated, relative to the context root) is left out. */
    public boolean excluded(String relativePath) {
        String path = PathNames.clean(relativePath);
        if (path.startsWith("/")) {
            path = path.substring(1);
        }
        if (rules.isEmpty() || path.equals(".") || path.isEmpty() || ALWAYS_SENT.contains(path)) {
            return false;
        }
        int slash = path.lastIndexOf('/');
        String[] parentDirs = slash < 0 ? new String[0] : path.substring(0, slash).split("/");
        boolean matched = false;
        for (Rule rule : rules) {
            if (rule.exception() != matched) {
                continue; // an inclusion cannot change an excluded path, nor an exception an included one
            }
            boolean match = rule.matches(path);
            StringBuilder parent = new StringBuilder();
            for (int i = 0; !match && i < parentDirs.length; i++) {
                if (i > 0) {
                    parent.append('/');
                }
                parent.append(parentDirs[i]);
                match = rule.matches(parent.toString());
            }
            if (match) {
                matched = !rule.exception();
            }
        }
        return matched;
    }

    /**
     * Whether some '!' rule could re-include a path below an excluded directory; without one, a
     * walk may skip excluded directories whole.
     */
    public boolean hasExceptions() {
        return hasExceptions;
    }

    private enum MatchType { EXACT, PREFIX, SUFFIX, REGEX }

    private record Rule(String pattern, boolean exception, MatchType type, Pattern regex) {

        static Rule compile(String pattern, boolean exception) {
            StringBuilder regex = new StringBuilder("^");
            MatchType type = MatchType.EXACT;
            int[] chars = pattern.codePoints().toArray();
            int iteration = 0;
            for (int k = 0; k < chars.length; iteration++) {
                int ch = chars[k++];
                if (ch == '*') {
                    if (k < chars.length && chars[k] == '*') {
                        k++;
                        if (k < chars.length && chars[k] == '/') {
                            k++; // "**/" is treated as "**"
                        }
                        if (k >= chars.length) {
                            if (type == MatchType.EXACT) {
                                type = MatchType.PREFIX;
                            } else {
                                regex.append(".*");
                                type = MatchType.REGEX;
                            }
                        } else {
                            regex.append("(.*/)?");
                            type = MatchType.REGEX;
                        }
                        if (iteration == 0) {
                            type = MatchType.SUFFIX;
                        }
                    } else {
                        regex.append("[^/]*");
                        type = MatchType.REGEX;
                    }
                } else if (ch == '?') {
                    regex.append("[^/]");
                    type = MatchType.REGEX;
                } else if (".+()|{}$".indexOf(ch) >= 0) {
                    regex.append('\\').appendCodePoint(ch);
                } else if (ch == '\\') {
                    if (k < chars.length) {
                        int next = chars[k++];
                        if (Character.isLetterOrDigit(next)) {
                            regex.appendCodePoint(next); // Java would read \d, \w... as classes
                        } else {
                            regex.append('\\').appendCodePoint(next);
                        }
                        type = MatchType.REGEX;
                    } else {
                        regex.append("\\\\");
                    }
                } else if (ch == '[' || ch == ']') {
                    regex.appendCodePoint(ch);
                    type = MatchType.REGEX;
                } else if (ch == '&' || ch == '^' && regex.charAt(regex.length() - 1) != '[') {
                    regex.append('\\').appendCodePoint(ch);
                } else {
                    regex.appendCodePoint(ch);
                }
            }
            Pattern compiled = null;
            if (type == MatchType.REGEX) {
                try {
                    compiled = Pattern.compile(regex.append('$').toString());
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw new BuildContextException(".dockerignore: malformed pattern '" + pattern + "'");
                }
            }
            return new Rule(pattern, exception, type, compiled);
        }

        boolean matches(String path) {
            return switch (type) {
                case EXACT -> path.equals(pattern);
                case PREFIX -> path.startsWith(pattern.substring(0, pattern.length() - 2));
                case SUFFIX -> {
                    String suffix = pattern.substring(2);
                    yield path.endsWith(suffix) || (suffix.startsWith("/") && path.equals(suffix.substring(1)));
                }
                case REGEX -> regex.matcher(path).matches();
            };
        }
    }
}
