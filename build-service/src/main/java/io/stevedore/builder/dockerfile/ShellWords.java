package io.stevedore.builder.dockerfile;

import java.util.List;
import java.util.function.Function;

/**
 * Docker's shell lexer, applied by the executor to the raw text the parser keeps: quote removal
 * ({@code '...'} literal, {@code "..."} with expansion, the escape character), {@code $V},
 * {@code ${V}}, {@code ${V:-w}} {@code ${V-w}} {@code ${V:+w}} {@code ${V+w}} {@code ${V:?msg}}
 * {@code ${V?msg}}, {@code ${V#p}} {@code ${V##p}} {@code ${V%p}} {@code ${V%%p}} (glob patterns
 * with {@code *} and {@code ?}), {@code ${V/p/r}} {@code ${V//p/r}}; an escaped {@code \$} stays a
 * literal {@code $}. This is not a shell: no command substitution, no globbing of file names.
 *
 * <p>{@code lookup} returns the variable's value, or null when it is unset (the difference matters
 * to {@code ${V-w}} and {@code ${V?}}); unset variables expand to "". Errors (unbalanced quotes,
 * bad substitutions, {@code ${V:?msg}} of an unset variable) throw {@link ExpansionException}, which
 * the caller reports with the instruction's line.
 */
public final class ShellWords {

    private ShellWords() {}

    /** One word, e.g. an ENV value or a WORKDIR path: white space is kept, quotes removed. */
    public static String word(String raw, Function<String, String> lookup, char escape) {
        return new ShellLexer(raw, lookup, escape).process().text();
    }

    /**
     * Words split on unquoted white space after expansion (EXPOSE ports, COPY sources in shell
     * form): {@code a"b c"} is one word, a variable holding {@code "x y"} gives two.
     */
    public static List<String> words(String raw, Function<String, String> lookup, char escape) {
        return new ShellLexer(raw, lookup, escape).process().words();
    }

    /**
     * The body of an unquoted COPY/ADD heredoc ({@link Heredoc#expand()}): variables expand, quotes
     * are ordinary characters, and the escape character only quotes {@code $}, itself and a
     * backtick or joins lines, as in a POSIX shell's here-document. (BuildKit also drops escapes
     * before other characters, turning a script's {@code \n} into {@code n}; we keep them.)
     */
    public static String heredocBody(String content, Function<String, String> lookup, char escape) {
        ShellLexer lexer = new ShellLexer(content, lookup, escape);
        lexer.heredocBody = true;
        return lexer.process().text();
    }

    /** A malformed word: the message says what, the caller adds where. */
    public static final class ExpansionException extends IllegalArgumentException {
        public ExpansionException(String message) {
            super(message);
        }
    }
}
