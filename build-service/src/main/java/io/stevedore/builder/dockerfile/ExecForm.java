package io.stevedore.builder.dockerfile;

import io.stevedore.json.Json;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Recognises the JSON (exec) form of an instruction's arguments, as BuildKit does: text that
 * parses as a JSON array is exec form and must hold only strings; anything else is shell form.
 *
 * <p>One deliberate difference: text that starts with {@code ["} or {@code ['} but is not valid
 * JSON ({@code CMD ["echo", 'hi']}, a missing comma or bracket) is an error here, where BuildKit
 * would silently run it as a shell command that can only fail. No shell command starts that way:
 * the shell's test command is {@code [} followed by a space.
 */
final class ExecForm {

    private ExecForm() {}

    /** The array's strings, or null when the text is shell form. */
    static List<String> parse(String arguments) {
        String text = arguments.stripLeading();
        if (!text.startsWith("[")) {
            return null;
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (JacksonException e) {
            if (text.startsWith("[\"") || text.startsWith("['")) {
                throw new InvalidInstruction("invalid JSON array (exec form needs double-quoted strings, "
                        + "separated by commas): " + text);
            }
            return null;
        }
        if (node == null || !node.isArray()) {
            return null;
        }
        List<String> strings = new ArrayList<>(node.size());
        for (JsonNode element : node) {
            if (!element.isString()) {
                throw new InvalidInstruction("when using JSON array syntax, arrays must be comprised of strings only");
            }
            strings.add(element.stringValue());
        }
        return strings;
    }
}
