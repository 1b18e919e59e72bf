package io.stevedore.builder.cli;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LogFollowerTest {

    @Test
    void eventsEndAtBlankLinesAndCommentsAndUnknownFieldsAreIgnored() throws IOException {
        ServerSentEvents events = new ServerSentEvents(new BufferedReader(new StringReader(
                ": keep-alive\n\nid: 1\nevent: log\ndata: #1 [1/2] FROM busybox\nretry: 10\n\n"
                        + "id: 2\ndata:no space\ndata: second line\n\nevent: end\ndata: {\"status\":\"succeeded\"}\n\n")));

        assertThat(events.next()).isEqualTo(new ServerSentEvents.Event("1", "log", "#1 [1/2] FROM busybox"));
        assertThat(events.next()).isEqualTo(new ServerSentEvents.Event("2", "message", "no space\nsecond line"));
        assertThat(events.next()).isEqualTo(new ServerSentEvents.Event(null, "end", "{\"status\":\"succeeded\"}"));
        assertThat(events.next()).isNull();
    }

    @Test
    void aDroppedStreamResumesAfterTheLastCompleteEventWithoutLossOrRepeats() throws Exception {
        List<String> asked = new ArrayList<>();
        List<String> streams = List.of(
                // dropped in the middle of event 3: it was not complete, so it is not printed
                "id: 1\nevent: log\ndata: one\n\nid: 2\nevent: log\ndata: two\n\nid: 3\nevent: log\ndata: thr",
                // dropped before anything arrived
                "",
                "id: 3\nevent: log\ndata: three\n\nid: 4\nevent: log\ndata: four\n\n"
                        + "event: end\ndata: {\"status\":\"failed\",\"error\":\"boom\"}\n\n");
        LogFollower.Source source = lastEventId -> {
            asked.add(lastEventId);
            return stream(streams.get(asked.size() - 1));
        };
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        var status = new LogFollower(source, new PrintStream(printed, true, StandardCharsets.UTF_8), Duration.ofMillis(1), false)
                .follow();

        assertThat(asked).containsExactly(null, "2", "2");
        assertThat(printed.toString(StandardCharsets.UTF_8)).isEqualTo("one\ntwo\nthree\nfour\n");
        assertThat(status.path("error").asString()).isEqualTo("boom");
    }

    @Test
    void connectionFailuresAreRetried() throws Exception {
        List<String> asked = new ArrayList<>();
        LogFollower.Source source = lastEventId -> {
            asked.add(lastEventId);
            if (asked.size() < 3) {
                throw new java.net.ConnectException("Connection refused");
            }
            return stream("event: end\ndata: {\"status\":\"cancelled\"}\n\n");
        };
        var status = new LogFollower(source, new PrintStream(new ByteArrayOutputStream()), Duration.ofMillis(1), false).follow();
        assertThat(status.path("status").asString()).isEqualTo("cancelled");
        assertThat(asked).hasSize(3);
    }

    private static InputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
