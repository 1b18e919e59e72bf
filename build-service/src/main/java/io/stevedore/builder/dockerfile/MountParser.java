package io.stevedore.builder.dockerfile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code --mount=type=cache,target=/root/.cache,sharing=locked}: comma-separated fields (a field
 * may be double-quoted to hold a comma), {@code key=value} or a bare boolean key, checked as
 * BuildKit checks them. Values stay raw; a value holding {@code $} is checked by the executor
 * after expansion.
 */
final class MountParser {

    private static final Set<String> TYPES = Set.of("bind", "cache", "tmpfs", "secret", "ssh");
    private static final Set<String> SHARING = Set.of("shared", "private", "locked");

    private MountParser() {}

    static Mount parse(String value) {
        List<String> fields = fields(value);
        String type = "bind";
        for (String field : fields) {
            String[] kv = field.split("=", 2);
            if (kv.length == 2 && kv[0].equalsIgnoreCase("type")) {
                type = kv[1].toLowerCase(Locale.ROOT);
                if (!TYPES.contains(type)) {
                    throw new InvalidInstruction("unsupported mount type \"" + kv[1] + "\" (bind, cache, tmpfs, secret or ssh)");
                }
            }
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (String field : fields) {
            String[] kv = field.split("=", 2);
            String key = kv[0].toLowerCase(Locale.ROOT);
            if (kv.length == 1) {
                putBareKey(options, key, field, type);
                continue;
            }
            String v = kv[1];
            switch (key) {
                case "type" -> { }
                case "id", "from", "env" -> options.put(key, v);
                case "source", "src" -> options.put("source", v);
                case "target", "dst", "destination" -> options.put("target", v);
                case "readonly", "ro" -> options.put("readonly", bool(key, v));
                case "readwrite", "rw" -> options.put("readonly", String.valueOf(!Boolean.parseBoolean(bool(key, v))));
                case "required" -> {
                    requireSecretOrSsh(type, key);
                    options.put("required", bool(key, v));
                }
                case "sharing" -> {
                    if (!SHARING.contains(v.toLowerCase(Locale.ROOT)) && !v.contains("$")) {
                        throw new InvalidInstruction("unsupported sharing value \"" + v + "\" (shared, private or locked)");
                    }
                    options.put(key, v);
                }
                case "mode" -> options.put(key, number(key, v, 8));
                case "uid", "gid" -> options.put(key, number(key, v, 10));
                case "size" -> options.put(key, v);
                default -> throw new InvalidInstruction("unexpected key '" + kv[0] + "' in '" + field + "'");
            }
        }
        if (options.containsKey("sharing") && !type.equals("cache")) {
            throw new InvalidInstruction("invalid cache sharing set for " + type + " mount");
        }
        boolean needsTarget = type.equals("bind") || type.equals("cache") || type.equals("tmpfs");
        if (needsTarget && (options.get("target") == null || options.get("target").isEmpty())) {
            throw new InvalidInstruction("mount type=" + type + " requires a target");
        }
        return new Mount(type, options);
    }

    private static void putBareKey(Map<String, String> options, String key, String field, String type) {
        switch (key) {
            case "readonly", "ro" -> options.put("readonly", "true");
            case "readwrite", "rw" -> options.put("readonly", "false");
            case "required" -> {
                requireSecretOrSsh(type, key);
                options.put("required", "true");
            }
            default -> throw new InvalidInstruction("unexpected key '" + field + "' in mount (expected key=value)");
        }
    }

    private static void requireSecretOrSsh(String type, String key) {
        if (!type.equals("secret") && !type.equals("ssh")) {
            throw new InvalidInstruction("unexpected key '" + key + "' for mount type " + type);
        }
    }

    private static String bool(String key, String value) {
        String v = value.toLowerCase(Locale.ROOT);
        if (v.equals("true") || v.equals("1") || v.equals("t")) {
            return "true";
        }
        if (v.equals("false") || v.equals("0") || v.equals("f")) {
            return "false";
        }
        throw new InvalidInstruction("invalid value for " + key + ": " + value);
    }

    private static String number(String key, String value, int radix) {
        if (!value.contains("$")) {
            try {
                Long.parseLong(value, radix);
            } catch (NumberFormatException e) {
                throw new InvalidInstruction("invalid value " + value + " for " + key);
            }
        }
        return value;
    }

    /** CSV fields: commas separate, double quotes group (a doubled quote inside is one quote). */
    private static List<String> fields(String value) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < value.length() && value.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new InvalidInstruction("unterminated quote in --mount=" + value);
        }
        fields.add(field.toString());
        fields.removeIf(String::isEmpty);
        return fields;
    }
}
