package io.stevedore.build.engine;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Variable expansion in unquoted heredoc bodies: `$NAME` and `${NAME}`, `\$` stays literal. */
final class Heredocs {
    private static final Pattern VARIABLE = Pattern.compile("\\\\\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    private Heredocs() {}

    static String expand(String content, Function<String, String> lookup) {
        Matcher m = VARIABLE.matcher(content);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("\\$")) {
                replacement = "$";
            } else {
                String name = m.group(1) != null ? m.group(1) : m.group(2);
                String value = lookup.apply(name);
                replacement = value == null ? "" : value;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
