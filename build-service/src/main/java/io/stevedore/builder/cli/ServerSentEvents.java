package io.stevedore.builder.cli;

import java.io.BufferedReader;
import java.io.IOException;

/**
 * A text/event-stream reader (the WHATWG format): `id`, `event` and `data` fields, an event ending
 * at a blank line, comments and unknown fields ignored. An event cut off by a dropped connection
 * is never returned, so a reconnect with the last returned id neither loses nor repeats one.
 */
final class ServerSentEvents {
    /** One dispatched event; {@code id} is null when the event carried none. */
    record Event(String id, String type, String data) {}

    private final BufferedReader reader;

    ServerSentEvents(BufferedReader reader) {
        this.reader = reader;
    }

    /** The next complete event, or null when the stream ended. */
    Event next() throws IOException {
        String id = null;
        String type = null;
        StringBuilder data = null;
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    return new Event(id, type == null ? "message" : type, data.toString());
                }
                id = null;
                type = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "id" -> id = value;
                case "event" -> type = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> { }
            }
        }
        return null;
    }
}
