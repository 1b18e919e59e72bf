package io.stevedore.builder.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A logical instruction line split as BuildKit's {@code splitCommand} does: the keyword, the
 * leading {@code --flag[=value]} words (quotes removed, {@code --} ends them), and the rest.
 */
record InstructionLine(String keyword, List<String> flags, String arguments) {

    static final Pattern WHITESPACE = Pattern.compile("[\\t\\x0B\\f\\r ]+");

    static InstructionLine split(String line) {
        String[] parts = WHITESPACE.split(line.strip(), 2);
        if (parts.length < 2) {
            return new InstructionLine(parts[0], List.of(), "");
        }
        List<String> flags = new ArrayList<>();
        String rest = extractFlags(parts[1], flags);
        return new InstructionLine(parts[0], List.copyOf(flags), rest.strip());
    }

    static List<String> splitOnWhitespace(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        return List.of(WHITESPACE.split(text, -1));
    }

    /** Collects the flag words into {@code flags}; returns what follows them. */
    private static String extractFlags(String line, List<String> flags) {
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int quote = 0;
        boolean quotedBlank = false;
        int pos = 0;
        while (pos <= line.length()) {
            boolean end = pos == line.length();
            char ch = end ? 0 : line.charAt(pos);
            if (!inWord) {
                if (end) {
                    return "";
                }
                if (ShellLexer.isSpace(ch)) {
                    pos++;
                    continue;
                }
                if (ch != '-' || pos + 1 == line.length() || line.charAt(pos + 1) != '-') {
                    return line.substring(pos);
                }
                inWord = true;
            }
            if (end) {
                if (quote != 0) {
                    throw new InvalidInstruction("unterminated quote in flag " + word);
                }
                if (!word.toString().equals("--") && (quotedBlank || !word.isEmpty())) {
                    flags.add(word.toString());
                }
                return "";
            }
            if (quote != 0) {
                if (ch == quote) {
                    quote = 0;
                } else if (ch == '\\' && pos + 1 < line.length()) {
                    word.append(line.charAt(++pos));
                } else if (ch != '\\') {
                    word.append(ch);
                }
                pos++;
                continue;
            }
            if (ShellLexer.isSpace(ch)) {
                if (word.toString().equals("--")) {
                    return line.substring(pos);
                }
                if (quotedBlank || !word.isEmpty()) {
                    flags.add(word.toString());
                }
                word.setLength(0);
                quotedBlank = false;
                inWord = false;
                pos++;
                continue;
            }
            if (ch == '\'' || ch == '"') {
                quote = ch;
                quotedBlank = true;
            } else if (ch == '\\') {
                if (pos + 1 < line.length()) {
                    word.append(line.charAt(++pos));
                }
            } else {
                word.append(ch);
            }
            pos++;
        }
        return "";
    }
}
