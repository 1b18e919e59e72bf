package io.stevedore.registry.builds;

import io.stevedore.json.Json;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * A build's log as Server-Sent Events: every line is an event whose id is its line number, so a
 * client that reconnects with {@code Last-Event-ID} gets exactly the lines it lacks. The lines
 * come from PostgreSQL, polled, so any replica serves any build's log while any other replica
 * takes the worker's lines. After the last line of an ended build comes an {@code end} event
 * with the build's status, and the stream closes.
 */
@Component
class BuildLogStream {
    private static final int PAGE = 1000;
    private static final Duration POLL = Duration.ofMillis(200);
    /** A comment this often: proxies keep the stream open, and a gone client is noticed. */
    private static final Duration KEEPALIVE = Duration.ofSeconds(15);

    private final BuildStore builds;
    private final BuildQueue queue;
    private final BuildEvents events;

    BuildLogStream(BuildStore builds, BuildQueue queue, BuildEvents events) {
        this.builds = builds;
        this.queue = queue;
        this.events = events;
    }

    void follow(long id, int after, HttpServletResponse response) throws IOException {
        response.setContentType("text/event-stream;charset=UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        OutputStream out = response.getOutputStream();
        out.write(": build log\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        int last = after;
        long quietSince = System.nanoTime();
        while (!events.stopping()) { // else the client resumes after its last id, elsewhere or later
            // read the status before the lines: an ended build has all its lines by then
            Build build = builds.find(id).orElseThrow();
            List<BuildStore.LogLine> lines = builds.log(id, last, PAGE);
            if (!lines.isEmpty()) {
                StringBuilder events = new StringBuilder();
                for (BuildStore.LogLine line : lines) {
                    events.append("id: ").append(line.number()).append("\nevent: log\n");
                    for (String part : line.text().split("\r?\n|\r", -1)) {
                        events.append("data: ").append(part).append('\n');
                    }
                    events.append('\n');
                    last = line.number();
                }
                out.write(events.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();
                quietSince = System.nanoTime();
                continue;
            }
            if (build.status().ended()) {
                String status = Json.MAPPER.writeValueAsString(queue.view(build));
                out.write(("id: " + last + "\nevent: end\ndata: " + status + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                return;
            }
            if (System.nanoTime() - quietSince > KEEPALIVE.toNanos()) {
                out.write(": keepalive\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                quietSince = System.nanoTime();
            }
            try {
                events.await(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The lines after {@code after} so far, as plain text. */
    void text(long id, int after, HttpServletResponse response) throws IOException {
        response.setContentType("text/plain;charset=UTF-8");
        OutputStream out = response.getOutputStream();
        int last = after;
        while (true) {
            List<BuildStore.LogLine> lines = builds.log(id, last, PAGE);
            if (lines.isEmpty()) {
                return;
            }
            StringBuilder text = new StringBuilder();
            for (BuildStore.LogLine line : lines) {
                text.append(line.text()).append('\n');
                last = line.number();
            }
            out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        }
    }
}
