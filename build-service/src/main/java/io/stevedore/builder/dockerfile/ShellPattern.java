package io.stevedore.builder.dockerfile;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A shell pattern of {@code ${V#p}}, {@code ${V%p}} and {@code ${V/p/r}}: {@code *} any string,
 * {@code ?} one character, the escape character making the next one literal (bracket
 * expressions are not supported, as in BuildKit). Matched by simulating all positions at once, so
 * the cost is length of value times length of pattern, whatever the pattern: a Dockerfile cannot
 * make the build service backtrack for hours.
 */
final class ShellPattern {

    private static final int STAR = -2;
    private static final int ANY = -3;

    private final int[] tokens; // code points, or STAR / ANY

    private ShellPattern(int[] tokens) {
        this.tokens = tokens;
    }

    static ShellPattern compile(String glob, int escape) {
        int[] cps = glob.codePoints().toArray();
        List<Integer> tokens = new ArrayList<>();
        for (int i = 0; i < cps.length; i++) {
            int c = cps[i];
            if (c == '*') {
                tokens.add(STAR);
            } else if (c == '?') {
                tokens.add(ANY);
            } else if (c == escape) {
                int following = i + 1 < cps.length ? cps[i + 1] : -1;
                if (following == '}' || following == '/') {
                    continue; // the escape only protected the ${} syntax
                }
                if (following != '*' && following != '?' && following != escape) {
                    throw new ShellWords.ExpansionException("invalid pattern (" + glob + ") in substitution: invalid escape '"
                            + Character.toString(escape) + (following == -1 ? "" : Character.toString(following)) + "'");
                }
                tokens.add(following);
                i++;
            } else {
                tokens.add(c);
            }
        }
        return new ShellPattern(tokens.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The pattern reversed token by token, for matching suffixes from the end. */
    private ShellPattern reversed() {
        int[] r = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            r[i] = tokens[tokens.length - 1 - i];
        }
        return new ShellPattern(r);
    }

    /** Every end position e such that the pattern matches value[start, e). */
    private BitSet ends(int[] value, int start) {
        BitSet current = new BitSet(value.length + 1);
        current.set(start);
        for (int token : tokens) {
            if (current.isEmpty()) {
                return current;
            }
            BitSet next = new BitSet(value.length + 1);
            if (token == STAR) {
                next.set(current.nextSetBit(0), value.length + 1);
            } else {
                for (int p = current.nextSetBit(0); p >= 0 && p < value.length; p = current.nextSetBit(p + 1)) {
                    if (token == ANY || value[p] == token) {
                        next.set(p + 1);
                    }
                }
            }
            current = next;
        }
        return current;
    }

    /** {@code ${V#p}} (shortest) and {@code ${V##p}} (longest): the value without the matching prefix. */
    String removePrefix(String value, boolean longest) {
        int[] cps = value.codePoints().toArray();
        BitSet ends = ends(cps, 0);
        if (ends.isEmpty()) {
            return value;
        }
        int cut = longest ? ends.length() - 1 : ends.nextSetBit(0);
        return new String(cps, cut, cps.length - cut);
    }

    /** {@code ${V%p}} (shortest) and {@code ${V%%p}} (longest): the value without the matching suffix. */
    String removeSuffix(String value, boolean longest) {
        int[] cps = value.codePoints().toArray();
        int[] backwards = new int[cps.length];
        for (int i = 0; i < cps.length; i++) {
            backwards[i] = cps[cps.length - 1 - i];
        }
        BitSet ends = reversed().ends(backwards, 0);
        if (ends.isEmpty()) {
            return value;
        }
        int cut = longest ? ends.length() - 1 : ends.nextSetBit(0);
        return new String(cps, 0, cps.length - cut);
    }

    /** {@code ${V/p/r}} and {@code ${V//p/r}}: leftmost, longest matches replaced. */
    String replace(String value, String replacement, boolean all) {
        int[] cps = value.codePoints().toArray();
        StringBuilder out = new StringBuilder();
        int copiedTo = 0;
        int previousEnd = -1;
        for (int pos = 0; pos <= cps.length; ) {
            BitSet ends = ends(cps, pos);
            int end = ends.length() - 1;
            if (ends.isEmpty() || (end == pos && pos == previousEnd)) {
                pos++; // no match here, or an empty one right after a match (ignored, as Go does)
                continue;
            }
            out.append(new String(cps, copiedTo, pos - copiedTo)).append(replacement);
            copiedTo = end;
            previousEnd = end;
            if (!all) {
                break;
            }
            pos = end > pos ? end : pos + 1;
        }
        out.append(new String(cps, copiedTo, cps.length - copiedTo));
        return out.toString();
    }
}
