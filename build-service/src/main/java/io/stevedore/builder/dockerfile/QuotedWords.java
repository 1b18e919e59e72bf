package io.stevedore.builder.dockerfile;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits ENV, LABEL and ARG arguments into words the way BuildKit's {@code parseWords} does:
 * white space separates words except inside quotes or after the escape character, and the quotes
 * and escapes stay in the words (they are removed later, when the executor expands each value).
 */
final class QuotedWords {

    private QuotedWords() {}

    static List<String> split(String text, char escape) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int quote = 0;
        boolean blankOk = false;
        int[] cps = text.codePoints().toArray();
        for (int pos = 0; pos <= cps.length; pos++) {
            boolean end = pos == cps.length;
            if (!inWord && quote == 0) {
                if (end) {
                    break;
                }
                if (ShellLexer.isSpace(cps[pos])) {
                    continue;
                }
                inWord = true;
            }
            if (end) {
                if (blankOk || !word.isEmpty()) {
                    words.add(word.toString());
                }
                break;
            }
            int ch = cps[pos];
            if (quote == 0) {
                if (ShellLexer.isSpace(ch)) {
                    if (blankOk || !word.isEmpty()) {
                        words.add(word.toString());
                    }
                    word.setLength(0);
                    blankOk = false;
                    inWord = false;
                    continue;
                }
                if (ch == '\'' || ch == '"') {
                    quote = ch;
                    blankOk = true;
                } else if (ch == escape) {
                    if (pos + 1 == cps.length) {
                        continue; // an escape ending the text is dropped
                    }
                    word.appendCodePoint(ch);
                    ch = cps[++pos];
                }
                word.appendCodePoint(ch);
                continue;
            }
            if (ch == quote) {
                quote = 0;
            } else if (ch == escape && quote != '\'') {
                if (pos + 1 == cps.length) {
                    quote = 0;
                    continue;
                }
                word.appendCodePoint(ch);
                ch = cps[++pos];
            }
            word.appendCodePoint(ch);
        }
        return words;
    }
}
