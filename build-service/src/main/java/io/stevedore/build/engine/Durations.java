package io.stevedore.build.engine;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations (`30s`, `1m30s`, `500ms`, `1.5h`) as HEALTHCHECK writes them, in nanoseconds. */
final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

    private Durations() {}

    static Long nanos(String text, String option) {
        if (text == null) {
            return null;
        }
        if (text.equals("0")) {
            return 0L;
        }
        Matcher m = PART.matcher(text);
        int end = 0;
        BigDecimal total = BigDecimal.ZERO;
        while (m.find() && m.start() == end) {
            BigDecimal unit = switch (m.group(2)) {
                case "ns" -> BigDecimal.ONE;
                case "us", "µs" -> BigDecimal.valueOf(1_000L);
                case "ms" -> BigDecimal.valueOf(1_000_000L);
                case "s" -> BigDecimal.valueOf(1_000_000_000L);
                case "m" -> BigDecimal.valueOf(60_000_000_000L);
                default -> BigDecimal.valueOf(3_600_000_000_000L);
            };
            total = total.add(new BigDecimal(m.group(1)).multiply(unit));
            end = m.end();
        }
        if (end == 0 || end != text.length()) {
            throw new BuildException("HEALTHCHECK " + option + ": invalid duration \"" + text + "\"");
        }
        return total.longValue();
    }
}
