package io.stevedore.builder.dockerfile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --name[=value]} flags of one instruction, checked against the flags it accepts, with
 * BuildKit's rules: booleans take no value or true/false, strings need a value and may appear once,
 * lists may repeat.
 */
final class InstructionFlags {

    enum Kind { BOOLEAN, STRING, LIST }

    private final Map<String, String> values = new HashMap<>();
    private final Map<String, List<String>> lists = new HashMap<>();

    private InstructionFlags() {}

    /** Accepted flags as name, kind pairs: {@code accepts("from", STRING, "link", BOOLEAN)}. */
    static Map<String, Kind> accepts(Object... nameKindPairs) {
        Map<String, Kind> accepted = new LinkedHashMap<>();
        for (int i = 0; i < nameKindPairs.length; i += 2) {
            accepted.put((String) nameKindPairs[i], (Kind) nameKindPairs[i + 1]);
        }
        return accepted;
    }

    static InstructionFlags parse(List<String> words, Map<String, Kind> accepted) {
        InstructionFlags flags = new InstructionFlags();
        for (String word : words) {
            if (!word.startsWith("--")) {
                throw new InvalidInstruction("arg should start with -- : " + word);
            }
            String body = word.substring(2);
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            String value = eq < 0 ? null : body.substring(eq + 1);
            Kind kind = accepted.get(name);
            if (kind == null) {
                String known = accepted.isEmpty() ? "it takes no flags" : "known flags: --" + String.join(", --", accepted.keySet());
                throw new InvalidInstruction("unknown flag: --" + name + " (" + known + ")");
            }
            switch (kind) {
                case BOOLEAN -> {
                    flags.rejectDuplicate(name);
                    if (value != null && value.isEmpty()) {
                        throw new InvalidInstruction("missing a value on flag: --" + name);
                    }
                    String normalized = value == null ? "true" : value.toLowerCase(java.util.Locale.ROOT);
                    if (!normalized.equals("true") && !normalized.equals("false")) {
                        throw new InvalidInstruction("expecting boolean value for flag --" + name + ", not: " + value);
                    }
                    flags.values.put(name, normalized);
                }
                case STRING -> {
                    flags.rejectDuplicate(name);
                    if (value == null) {
                        throw new InvalidInstruction("missing a value on flag: --" + name);
                    }
                    flags.values.put(name, value);
                }
                case LIST -> {
                    if (value == null) {
                        throw new InvalidInstruction("missing a value on flag: --" + name);
                    }
                    flags.lists.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
                }
            }
        }
        return flags;
    }

    private void rejectDuplicate(String name) {
        if (values.containsKey(name)) {
            throw new InvalidInstruction("duplicate flag specified: --" + name);
        }
    }

    /** The value, or null when the flag was not given. */
    String string(String name) {
        return values.get(name);
    }

    boolean bool(String name) {
        return "true".equals(values.get(name));
    }

    List<String> list(String name) {
        return List.copyOf(lists.getOrDefault(name, List.of()));
    }
}
