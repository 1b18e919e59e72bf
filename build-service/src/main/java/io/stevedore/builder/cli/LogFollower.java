package io.stevedore.builder.cli;

import io.stevedore.json.Json;
import tools.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Prints a remote build's log as it is written, like the local CLI prints its progress, and
 * returns the build's final status. A dropped connection is followed again from the last line
 * received (Last-Event-ID), so no line is lost or printed twice.
 */
final class LogFollower {
    private static final Duration MAX_RETRY = Duration.ofSeconds(5);

    /** Opens the event stream after the given event id (null: from the start). */
    interface Source {
        InputStream open(String lastEventId) throws IOException, InterruptedException;
    }

    private final Source source;
    private final PrintStream log;
    private final Duration firstRetry;
    private final boolean quiet;
    private String lastEventId;

    LogFollower(Source source, PrintStream log, Duration firstRetry, boolean quiet) {
        this.source = source;
        this.log = log;
        this.firstRetry = firstRetry;
        this.quiet = quiet;
    }

    /** Follows until the `end` event; its status JSON. */
    JsonNode follow() throws InterruptedException {
        Duration retry = firstRetry;
        while (true) {
            try (InputStream stream = source.open(lastEventId)) {
                ServerSentEvents events = new ServerSentEvents(
                        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8)));
                ServerSentEvents.Event event;
                while ((event = events.next()) != null) {
                    if (event.type().equals("end")) {
                        return Json.MAPPER.readTree(event.data());
                    }
                    if (!quiet) {
                        log.println(event.data());
                    }
                    if (event.id() != null) {
                        lastEventId = event.id();
                    }
                    retry = firstRetry;
                }
            } catch (IOException e) {
                // dropped: follow again from the last line received
            }
            Thread.sleep(retry);
            retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
        }
    }
}
