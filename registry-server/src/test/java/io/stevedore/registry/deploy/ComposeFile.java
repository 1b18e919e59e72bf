package io.stevedore.registry.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * The project's docker-compose.yml read as Compose reads it: YAML (with its merge keys), then
 * {@code ${VAR}}, {@code ${VAR:-default}}, {@code ${VAR-default}}, {@code ${VAR:?error}},
 * {@code ${VAR?error}} and {@code $$} interpolated from a given environment (what {@code .env}
 * holds).
 */
public final class ComposeFile {
    /** The repository's top level (tests run in registry-server/). */
    public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern VARIABLE = Pattern.compile(
            "\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    private final Map<String, Object> document;

    private ComposeFile(Map<String, Object> document) {
        this.document = document;
    }

    /** docker-compose.yml with every variable taken from {@code environment}. */
    public static ComposeFile load(Map<String, String> environment) throws IOException {
        Object raw = new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
        return new ComposeFile(asMap(interpolate(raw, environment)));
    }

    /** The variables of a {@code .env} file ({@code NAME=value} lines; {@code #} comments). */
    public static Map<String, String> dotEnv(Path file) throws IOException {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String trimmed = line.strip();
            if (!trimmed.isEmpty() && !trimmed.startsWith("#") && trimmed.contains("=")) {
                variables.put(trimmed.substring(0, trimmed.indexOf('=')).strip(),
                        trimmed.substring(trimmed.indexOf('=') + 1).strip());
            }
        }
        return variables;
    }

    /** Every variable the file requires ({@code ${VAR:?...}} or {@code ${VAR?...}}). */
    public static List<String> requiredVariables() throws IOException {
        List<String> required = new ArrayList<>();
        Matcher matcher = VARIABLE.matcher(Files.readString(ROOT.resolve("docker-compose.yml")));
        while (matcher.find()) {
            if (matcher.group(2) != null && matcher.group(2).endsWith("?")) {
                required.add(matcher.group(1));
            }
        }
        return required;
    }

    public Map<String, Object> services() {
        return asMap(document.get("services"));
    }

    public Map<String, Object> service(String name) {
        Map<String, Object> service = asMap(services().get(name));
        if (service == null) {
            throw new AssertionError("docker-compose.yml has no service " + name);
        }
        return service;
    }

    public Map<String, Object> topLevel(String key) {
        return asMap(document.get(key));
    }

    /** A service's environment as a map, from either of Compose's two forms (map or NAME=value list). */
    public Map<String, String> environment(String service) {
        Object environment = service(service).get("environment");
        Map<String, String> variables = new LinkedHashMap<>();
        if (environment instanceof Map<?, ?> map) {
            map.forEach((name, value) -> variables.put(String.valueOf(name), value == null ? "" : String.valueOf(value)));
        } else if (environment instanceof List<?> list) {
            for (Object item : list) {
                String text = String.valueOf(item);
                int eq = text.indexOf('=');
                variables.put(eq < 0 ? text : text.substring(0, eq), eq < 0 ? "" : text.substring(eq + 1));
            }
        }
        return variables;
    }

    /** A service's command as a list (Compose's string form split on spaces). */
    public List<String> command(String service) {
        Object command = service(service).get("command");
        if (command instanceof List<?> list) {
            return list.stream().map(String::valueOf).toList();
        }
        return command == null ? List.of() : List.of(String.valueOf(command).split("\\s+"));
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> asMap(Object value) {
        return (Map<String, Object>) value;
    }

    private static Object interpolate(Object value, Map<String, String> environment) {
        if (value instanceof String text) {
            return interpolate(text, environment);
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> result = new LinkedHashMap<>();
            map.forEach((k, v) -> result.put(k, interpolate(v, environment)));
            return result;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(item -> interpolate(item, environment)).toList();
        }
        return value;
    }

    static String interpolate(String text, Map<String, String> environment) {
        Matcher matcher = VARIABLE.matcher(text);
        StringBuilder result = new StringBuilder();
        while (matcher.find()) {
            String replacement;
            if (matcher.group().equals("$$")) {
                replacement = "$";
            } else if (matcher.group(4) != null) {
                replacement = environment.getOrDefault(matcher.group(4), "");
            } else {
                String name = matcher.group(1);
                String operator = matcher.group(2);
                String argument = matcher.group(3);
                String value = environment.get(name);
                boolean unset = value == null || (operator != null && operator.startsWith(":") && value.isEmpty());
                if (operator == null) {
                    replacement = value == null ? "" : value;
                } else if (operator.endsWith("-")) {
                    replacement = unset ? argument : value;
                } else if (unset) {
                    throw new IllegalArgumentException("required variable " + name + " is missing: " + argument);
                } else {
                    replacement = value;
                }
            }
            matcher.appendReplacement(result, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(result);
        return result.toString();
    }
}
