package io.stevedore.builder.dockerfile;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Dockerfile text into logical instruction lines the way BuildKit's parser reads it:
 * parser directives at the top, comment and blank lines skipped, continuation lines joined
 * (comment and empty lines inside a continuation skipped), then the bodies of the line's
 * heredocs read raw.
 */
final class LogicalLines {

    /**
     * One instruction: its first line, its joined text, its heredocs, and the heredoc bodies as
     * written (each {@code "\n" + body lines + delimiter line}), which ONBUILD keeps in its trigger.
     */
    record Entry(int line, String text, List<Heredoc> heredocs, String heredocText) {}

    // The value is stripped after matching: a lazy group before \s*$ would backtrack quadratically.
    private static final Pattern DIRECTIVE = Pattern.compile("#\\s*([a-zA-Z][a-zA-Z0-9]*)\\s*=(.*)");
    private static final Pattern HEREDOC_MARKER = Pattern.compile("^(\\d*)<<(-?)([^<]*)$");
    private static final Pattern LEADING_TABS = Pattern.compile("(?m)^\\t+");
    private static final Set<String> KNOWN_DIRECTIVES = Set.of("syntax", "escape", "check");
    private static final Set<String> HEREDOC_INSTRUCTIONS = Set.of("run", "copy", "add");

    private final List<String> lines; // physical lines, each with its line break
    private int next;
    private final Map<String, String> directives = new LinkedHashMap<>();
    private boolean directivesDone;
    private char escape = '\\';

    LogicalLines(String text, boolean directivesAllowed) {
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        this.lines = physicalLines(text);
        this.directivesDone = !directivesAllowed;
    }

    private static List<String> physicalLines(String text) {
        List<String> result = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            result.add(text.substring(start, end));
            start = end;
        }
        return result;
    }

    Map<String, String> directives() {
        return Collections.unmodifiableMap(directives);
    }

    char escape() {
        return escape;
    }

    /** Number of physical lines read so far (the line an end-of-file problem is reported at). */
    int linesRead() {
        return Math.max(1, next);
    }

    /** The next instruction, or null at the end. */
    Entry next() {
        while (next < lines.size()) {
            int startLine = next + 1;
            String raw = withoutLineBreak(lines.get(next++));
            String stripped = raw.stripLeading();
            readDirective(stripped, startLine);
            String first = isComment(raw) ? "" : stripped;
            Continued head = trimContinuation(first);
            if (head.complete && head.text.isEmpty()) {
                continue;
            }
            StringBuilder text = new StringBuilder(head.text);
            boolean complete = head.complete;
            while (!complete && next < lines.size()) {
                String continued = withoutLineBreak(lines.get(next++));
                if (isComment(continued) || continued.isBlank()) {
                    continue;
                }
                Continued part = trimContinuation(continued);
                text.append(part.text);
                complete = part.complete;
            }
            try {
                return withHeredocs(startLine, text.toString());
            } catch (InvalidInstruction e) {
                throw new DockerfileException(startLine, e.getMessage());
            }
        }
        return null;
    }

    private void readDirective(String stripped, int lineNumber) {
        if (directivesDone) {
            return;
        }
        Matcher m = DIRECTIVE.matcher(stripped);
        boolean matches = m.matches() && !m.group(2).isBlank();
        String name = matches ? m.group(1).toLowerCase(Locale.ROOT) : null;
        if (name == null || !KNOWN_DIRECTIVES.contains(name)) {
            directivesDone = true; // directives end at the first other line, blank or not
            return;
        }
        if (directives.containsKey(name)) {
            throw new DockerfileException(lineNumber, "only one " + name + " parser directive can be used");
        }
        String value = m.group(2).strip();
        if (name.equals("escape")) {
            if (!value.equals("\\") && !value.equals("`")) {
                throw new DockerfileException(lineNumber, "invalid escape token '" + value + "' does not match ` or \\");
            }
            escape = value.charAt(0);
        }
        directives.put(name, value);
    }

    private record Continued(String text, boolean complete) {}

    /**
     * The escape character ending a line (spaces and tabs may follow) continues it, unless it is
     * itself escaped; a line holding only the escape continues too. The escape and what follows it
     * are removed.
     */
    private Continued trimContinuation(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
            end--;
        }
        if (end == 0 || line.charAt(end - 1) != escape) {
            return new Continued(line, true);
        }
        if (end >= 2 && line.charAt(end - 2) == escape) {
            return new Continued(line, true);
        }
        return new Continued(line.substring(0, end - 1), false);
    }

    private static boolean isComment(String line) {
        return line.stripLeading().startsWith("#");
    }

    private static String withoutLineBreak(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == '\n' || line.charAt(end - 1) == '\r')) {
            end--;
        }
        return line.substring(0, end);
    }

    private Entry withHeredocs(int startLine, String text) {
        List<Heredoc> markers = mayHaveHeredocs(text) ? heredocMarkers(text) : List.of();
        if (markers.isEmpty()) {
            return new Entry(startLine, text, List.of(), "");
        }
        List<Heredoc> bodies = new ArrayList<>();
        StringBuilder written = new StringBuilder();
        for (Heredoc marker : markers) {
            StringBuilder content = new StringBuilder();
            boolean terminated = false;
            while (next < lines.size()) {
                String physical = lines.get(next++);
                String candidate = withoutLineBreak(physical);
                if (marker.chomp()) {
                    candidate = candidate.replaceFirst("^\\t+", "");
                }
                if (candidate.equals(marker.name())) {
                    terminated = true;
                    written.append('\n').append(content).append(withoutLineBreak(physical));
                    break;
                }
                content.append(physical);
            }
            if (!terminated) {
                throw new DockerfileException(startLine, "unterminated heredoc <<" + marker.name()
                        + ": no line " + marker.name() + " before the end of the file");
            }
            String body = marker.chomp() ? LEADING_TABS.matcher(content).replaceAll("") : content.toString();
            bodies.add(new Heredoc(marker.name(), body, marker.expand(), marker.chomp()));
        }
        return new Entry(startLine, text, List.copyOf(bodies), written.toString());
    }

    // Only RUN, COPY and ADD (also as an ONBUILD trigger) take heredocs, and not in JSON form.
    private static boolean mayHaveHeredocs(String text) {
        InstructionLine line = InstructionLine.split(text);
        String keyword = line.keyword().toLowerCase(Locale.ROOT);
        if (keyword.equals("onbuild") && !line.arguments().isEmpty()) {
            line = InstructionLine.split(line.arguments());
            keyword = line.keyword().toLowerCase(Locale.ROOT);
        }
        if (!HEREDOC_INSTRUCTIONS.contains(keyword)) {
            return false;
        }
        try {
            return ExecForm.parse(line.arguments()) == null;
        } catch (InvalidInstruction e) {
            return false; // reported when the instruction itself is parsed
        }
    }

    /**
     * The heredoc markers of a line, found as BuildKit finds them: lex the whole line keeping
     * quotes and escapes, then take each word shaped {@code [n]<<[-]WORD}.
     */
    static List<Heredoc> heredocMarkers(String line) {
        ShellLexer lexer = new ShellLexer(line, name -> null, '\\');
        lexer.rawQuotes = true;
        lexer.rawEscapes = true;
        lexer.skipUnsetEnv = true;
        List<String> words;
        try {
            words = lexer.process().words();
        } catch (ShellWords.ExpansionException e) {
            return List.of(); // an unbalanced quote: no heredocs, as in BuildKit
        }
        List<Heredoc> markers = new ArrayList<>();
        for (String word : words) {
            Heredoc marker = heredocMarker(word);
            if (marker != null) {
                markers.add(marker);
            }
        }
        return markers;
    }

    /** The heredoc a word such as {@code <<EOF}, {@code <<-'EOF'} or {@code 3<<"E"OF} opens, or null. */
    static Heredoc heredocMarker(String word) {
        Matcher m = HEREDOC_MARKER.matcher(word);
        if (!m.matches() || m.group(3).isEmpty()) {
            return null;
        }
        String rest = m.group(3);
        boolean chomp = !m.group(2).isEmpty();
        try {
            ShellLexer plain = new ShellLexer(rest, name -> null, '\\');
            plain.skipUnsetEnv = true;
            List<String> names = plain.process().words();
            if (names.size() != 1) {
                return null;
            }
            ShellLexer raw = new ShellLexer(rest, name -> null, '\\');
            raw.skipUnsetEnv = true;
            raw.rawQuotes = true;
            List<String> rawNames = raw.process().words();
            if (rawNames.size() != 1) {
                return null;
            }
            // Quotes anywhere in the delimiter ("EOF", 'E'OF) mean the body is taken literally.
            boolean expand = quoteCount(names.get(0)) == quoteCount(rawNames.get(0));
            return new Heredoc(names.get(0), "", expand, chomp);
        } catch (ShellWords.ExpansionException e) {
            throw new InvalidInstruction("invalid heredoc delimiter " + word + ": " + e.getMessage());
        }
    }

    private static long quoteCount(String s) {
        return s.chars().filter(c -> c == '\'' || c == '"').count();
    }
}
