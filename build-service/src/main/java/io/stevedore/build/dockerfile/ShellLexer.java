package io.stevedore.build.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Docker's shell-like lexer (BuildKit {@code frontend/dockerfile/shell}): quote removal, the escape
 * character, {@code $V} and {@code ${V...}} expansion, and word splitting after expansion. One
 * instance lexes one input; the switches exist because the parser itself lexes in "raw" modes
 * (quotes and escapes kept) to find heredoc markers.
 */
final class ShellLexer {

    private static final int EOF = -1;

    /** The processed text (spaces kept) and the same text split into words. */
    record Result(String text, List<String> words) {}

    private final int[] input;
    private final String source;
    private final Function<String, String> lookup;
    private final int escape;
    private int pos;

    /** Keep quote characters in the output (the parser's heredoc detection needs to see them). */
    boolean rawQuotes;
    /** Keep escape characters in the output. */
    boolean rawEscapes;
    /** Leave {@code $V} of unset variables as written instead of expanding them to "". */
    boolean skipUnsetEnv;
    /** Here-document body: quotes are ordinary characters, the escape only quotes {@code $ ` \}. */
    boolean heredocBody;

    ShellLexer(String input, Function<String, String> lookup, char escape) {
        this.source = input;
        this.input = input.codePoints().toArray();
        this.lookup = lookup;
        this.escape = escape;
    }

    Result process() {
        try {
            return processUntil(EOF, rawEscapes);
        } catch (ShellWords.ExpansionException e) {
            throw new ShellWords.ExpansionException("failed to process \"" + source + "\": " + e.getMessage());
        }
    }

    private int peek() {
        return pos < input.length ? input[pos] : EOF;
    }

    private int next() {
        return pos < input.length ? input[pos++] : EOF;
    }

    private Result processUntil(int stop, boolean raw) {
        boolean savedRaw = rawEscapes;
        rawEscapes = raw;
        try {
            StringBuilder result = new StringBuilder();
            Words words = new Words();
            while (peek() != EOF) {
                int ch = peek();
                if (stop != EOF && ch == stop) {
                    next();
                    return new Result(result.toString(), words.finish());
                }
                if (ch == '$') {
                    String value = dollar();
                    result.append(value);
                    words.addSplitting(value);
                } else if (ch == '\'' && !heredocBody) {
                    String quoted = singleQuoted();
                    result.append(quoted);
                    words.addVerbatim(quoted);
                } else if (ch == '"' && !heredocBody) {
                    String quoted = doubleQuoted();
                    result.append(quoted);
                    words.addVerbatim(quoted);
                } else {
                    next();
                    if (ch == escape && heredocBody) {
                        heredocEscape(result, words);
                        continue;
                    }
                    if (ch == escape) {
                        if (rawEscapes) {
                            words.addVerbatim(ch);
                            result.appendCodePoint(ch);
                        }
                        ch = next();
                        if (ch == EOF) {
                            break; // an escape at the very end is dropped
                        }
                        words.addVerbatim(ch);
                    } else {
                        words.add(ch);
                    }
                    result.appendCodePoint(ch);
                }
            }
            if (stop != EOF) {
                throw new ShellWords.ExpansionException(
                        "unexpected end of statement while looking for matching " + Character.toString(stop));
            }
            return new Result(result.toString(), words.finish());
        } finally {
            rawEscapes = savedRaw;
        }
    }

    // In a here-document the escape quotes only $, the escape itself and `, and joins lines;
    // before anything else it is literal (so printf's "\n" survives), as a POSIX shell does.
    private void heredocEscape(StringBuilder result, Words words) {
        int ch = peek();
        if (ch == '$' || ch == escape || ch == '`') {
            next();
            result.appendCodePoint(ch);
            words.addVerbatim(ch);
        } else if (ch == '\n') {
            next();
        } else {
            result.appendCodePoint(escape);
            words.addVerbatim(escape);
        }
    }

    private String singleQuoted() {
        StringBuilder out = new StringBuilder();
        int ch = next();
        if (rawQuotes) {
            out.appendCodePoint(ch);
        }
        while (true) {
            ch = next();
            if (ch == EOF) {
                throw new ShellWords.ExpansionException("unexpected end of statement while looking for matching single-quote");
            }
            if (ch == '\'') {
                if (rawQuotes) {
                    out.appendCodePoint(ch);
                }
                return out.toString();
            }
            out.appendCodePoint(ch);
        }
    }

    private String doubleQuoted() {
        StringBuilder out = new StringBuilder();
        int ch = next();
        if (rawQuotes) {
            out.appendCodePoint(ch);
        }
        while (true) {
            int p = peek();
            if (p == EOF) {
                throw new ShellWords.ExpansionException("unexpected end of statement while looking for matching double-quote");
            }
            if (p == '"') {
                next();
                if (rawQuotes) {
                    out.append('"');
                }
                return out.toString();
            }
            if (p == '$') {
                out.append(dollar());
                continue;
            }
            ch = next();
            if (ch == escape) {
                int after = peek();
                if (after == EOF) {
                    continue; // leads to the unterminated-quote error above
                }
                if (after == '"' || after == '$' || after == escape) {
                    if (rawEscapes) {
                        out.appendCodePoint(ch);
                    }
                    ch = next();
                }
            }
            out.appendCodePoint(ch);
        }
    }

    private String dollar() {
        next();
        if (peek() == '{') {
            next();
            return braced();
        }
        String name = name();
        if (name.isEmpty()) {
            return "$";
        }
        String value = lookup.apply(name);
        if (value == null) {
            return skipUnsetEnv ? "$" + name : "";
        }
        return value;
    }

    private String braced() {
        int first = peek();
        if (first == EOF) {
            throw new ShellWords.ExpansionException("syntax error: missing '}'");
        }
        if (first == '{' || first == '}' || first == ':') {
            throw new ShellWords.ExpansionException("syntax error: bad substitution");
        }
        String name = name();
        int op = next();
        String ops = op == EOF ? "" : Character.toString(op);
        if (op == '}') {
            String value = lookup.apply(name);
            if (value == null) {
                return skipUnsetEnv ? "${" + name + "}" : "";
            }
            return value;
        }
        if (op == '/') {
            return replace(name);
        }
        boolean nullIsUnset = false;
        if (op == ':') {
            nullIsUnset = true;
            op = next();
            ops += op == EOF ? "" : Character.toString(op);
        }
        if (!nullIsUnset && op != '+' && op != '-' && op != '?' && op != '#' && op != '%') {
            throw new ShellWords.ExpansionException("unsupported modifier (" + ops + ") in substitution");
        }
        boolean pattern = op == '#' || op == '%';
        if (nullIsUnset && pattern) {
            throw new ShellWords.ExpansionException("unsupported modifier (" + ops + ") in substitution");
        }
        String word = untilClosingBrace('}', pattern);
        String value = lookup.apply(name);
        boolean set = value != null;
        if (!set && skipUnsetEnv) {
            return "${" + name + ops + word + "}";
        }
        String current = set ? value : "";
        boolean absent = !set || (nullIsUnset && current.isEmpty());
        switch (op) {
            case '-':
                return absent ? word : current;
            case '+':
                return absent ? "" : word;
            case '?':
                if (absent) {
                    String why = !set ? "is not allowed to be unset" : "is not allowed to be empty";
                    throw new ShellWords.ExpansionException(name + ": " + (word.isEmpty() ? why : word));
                }
                return current;
            case '#':
            case '%': {
                boolean greedy = !word.isEmpty() && word.codePointAt(0) == op;
                String glob = greedy ? word.substring(Character.charCount(op)) : word;
                return op == '#' ? trimPrefix(glob, current, greedy) : trimSuffix(glob, current, greedy);
            }
            default:
                throw new ShellWords.ExpansionException("unsupported modifier (" + ops + ") in substitution");
        }
    }

    private String untilClosingBrace(int stop, boolean raw) {
        try {
            return processUntil(stop, raw).text();
        } catch (ShellWords.ExpansionException e) {
            if (peek() == EOF) {
                throw new ShellWords.ExpansionException(
                        stop == '}' ? "syntax error: missing '}'" : "syntax error: missing '/' in ${}");
            }
            throw e;
        }
    }

    private String replace(String name) {
        boolean all = peek() == '/';
        if (all) {
            next();
        }
        String glob = untilClosingBrace('/', true);
        String replacement = untilClosingBrace('}', true);
        String value = lookup.apply(name);
        if (value == null && skipUnsetEnv) {
            return "${" + name + "/" + (all ? "/" : "") + glob + "/" + replacement + "}";
        }
        Matcher m = globToRegex(glob, true, false).matcher(value == null ? "" : value);
        String literal = Matcher.quoteReplacement(replacement);
        return all ? m.replaceAll(literal) : m.replaceFirst(literal);
    }

    private String name() {
        StringBuilder name = new StringBuilder();
        while (peek() != EOF) {
            int ch = peek();
            if (name.isEmpty() && Character.isDigit(ch)) {
                while (peek() != EOF && Character.isDigit(peek())) {
                    name.appendCodePoint(next());
                }
                return name.toString();
            }
            if (name.isEmpty() && isSpecialParameter(ch)) {
                next();
                return Character.toString(ch);
            }
            if (!Character.isLetter(ch) && !Character.isDigit(ch) && ch != '_') {
                break;
            }
            name.appendCodePoint(next());
        }
        return name.toString();
    }

    private static boolean isSpecialParameter(int ch) {
        return ch == '@' || ch == '*' || ch == '#' || ch == '?' || ch == '-' || ch == '$' || ch == '!' || ch == '0';
    }

    /**
     * A shell pattern ({@code *} any string, {@code ?} one character, escape for a literal) as a
     * regular expression; {@code *} matches the shortest string unless greedy.
     */
    private Pattern globToRegex(String glob, boolean greedy, boolean anchored) {
        StringBuilder out = new StringBuilder(anchored ? "^" : "");
        int[] cps = glob.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            int c = cps[i];
            if (c == '*') {
                out.append(greedy ? ".*" : ".*?");
            } else if (c == '?') {
                out.append('.');
            } else if (c == escape) {
                int following = i + 1 < cps.length ? cps[i + 1] : EOF;
                if (following == '}' || following == '/') {
                    continue; // the escape only protected the ${} syntax
                }
                if (following != '*' && following != '?' && following != escape) {
                    throw new ShellWords.ExpansionException("invalid pattern (" + glob + ") in substitution: invalid escape '"
                            + Character.toString(escape) + (following == EOF ? "" : Character.toString(following)) + "'");
                }
                appendLiteral(out, following);
                i++;
            } else {
                appendLiteral(out, c);
            }
        }
        try {
            return Pattern.compile(out.toString());
        } catch (PatternSyntaxException e) {
            throw new ShellWords.ExpansionException("invalid pattern (" + glob + ") in substitution");
        }
    }

    private static void appendLiteral(StringBuilder regex, int c) {
        if (c < 128 && !Character.isLetterOrDigit(c)) {
            regex.append('\\');
        }
        regex.appendCodePoint(c);
    }

    private String trimPrefix(String glob, String value, boolean greedy) {
        Matcher m = globToRegex(glob, greedy, true).matcher(value);
        return m.find() ? value.substring(m.end()) : value;
    }

    // Regular expressions find the leftmost match, so the shortest or longest *suffix* is found
    // by reversing both the value and the pattern (keeping escape pairs in order).
    private String trimSuffix(String glob, String value, boolean greedy) {
        String reversed = trimPrefix(reverseGlob(glob), reverse(value), greedy);
        return reverse(reversed);
    }

    private String reverseGlob(String glob) {
        int[] cps = glob.codePoints().toArray();
        List<int[]> tokens = new ArrayList<>();
        for (int i = 0; i < cps.length; i++) {
            if (cps[i] == escape && i + 1 < cps.length) {
                tokens.add(new int[] {cps[i], cps[i + 1]});
                i++;
            } else {
                tokens.add(new int[] {cps[i]});
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = tokens.size() - 1; i >= 0; i--) {
            for (int c : tokens.get(i)) {
                out.appendCodePoint(c);
            }
        }
        return out.toString();
    }

    private static String reverse(String s) {
        int[] cps = s.codePoints().toArray();
        StringBuilder out = new StringBuilder(s.length());
        for (int i = cps.length - 1; i >= 0; i--) {
            out.appendCodePoint(cps[i]);
        }
        return out.toString();
    }

    /** Go's unicode.IsSpace, which BuildKit splits words on. */
    static boolean isSpace(int c) {
        return (c >= '\t' && c <= '\r') || c == ' ' || c == 0x85 || Character.isSpaceChar(c);
    }

    /**
     * Word splitting after expansion: unquoted white space (including white space that came out of
     * a variable) separates words; quoted and escaped text never does.
     */
    private static final class Words {
        private final List<String> words = new ArrayList<>();
        private final StringBuilder current = new StringBuilder();
        private boolean inWord;

        void add(int c) {
            if (isSpace(c)) {
                if (inWord && !current.isEmpty()) {
                    words.add(current.toString());
                    current.setLength(0);
                    inWord = false;
                }
            } else {
                addVerbatim(c);
            }
        }

        void addVerbatim(int c) {
            current.appendCodePoint(c);
            inWord = true;
        }

        void addVerbatim(String s) {
            current.append(s);
            inWord = true;
        }

        void addSplitting(String s) {
            s.codePoints().forEach(this::add);
        }

        List<String> finish() {
            if (!current.isEmpty()) {
                words.add(current.toString());
                current.setLength(0);
                inWord = false;
            }
            return List.copyOf(words);
        }
    }
}
