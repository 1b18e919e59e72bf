package io.stevedore.builder.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Docker's shell-like lexer (BuildKit {@code frontend/dockerfile/shell}): quote removal, the escape
 * character, {@code $V} and {@code ${V...}} expansion, and word splitting after expansion. One
 * instance lexes one input; the switches exist because the parser itself lexes in "raw" modes
 * (quotes and escapes kept) to find heredoc markers.
 */
final class ShellLexer {

    private static final int EOF = -1;
    /** Deeper ${a:-${b:-...}} nesting is refused rather than risking the stack. */
    private static final int MAX_NESTING = 100;

    /** The processed text (spaces kept) and the same text split into words. */
    record Result(String text, List<String> words) {}

    private final int[] input;
    private final String source;
    private final Function<String, String> lookup;
    private final int escape;
    private int pos;
    private int depth;

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
        if (++depth > MAX_NESTING) {
            throw new ShellWords.ExpansionException("substitutions nested more than " + MAX_NESTING + " deep");
        }
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
            depth--;
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
                ShellPattern p = ShellPattern.compile(glob, escape);
                return op == '#' ? p.removePrefix(current, greedy) : p.removeSuffix(current, greedy);
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
        return ShellPattern.compile(glob, escape).replace(value == null ? "" : value, replacement, all);
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
