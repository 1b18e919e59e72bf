package io.stevedore.registry.builds;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Ends the builds API's long requests when the registry stops: a worker's lease poll (up to
 * 30 s) is answered at once with no build, and a followed log stream ends (its client resumes
 * after its last event id). The web server's graceful shutdown waits for every request in
 * flight, so without this a stop waited out the embedded worker's poll (17 s of a 20 s stop,
 * measured) and a log followed in a browser held it for the whole shutdown timeout.
 *
 * <p>It stops in the phase just before the graceful shutdown, after every bean of the default
 * phase (the embedded worker, webhook delivery), which may take seconds to stop while the web
 * server still answers: for those seconds, waits ended at once would only have sent workers
 * and browsers straight back. Once the graceful shutdown begins, the web server answers new
 * requests with 503 or not at all, which clients back off from.
 */
@Component
class LongWaitsAtShutdown implements SmartLifecycle {
    private final BuildQueue queue;
    private final BuildEvents events;
    private volatile boolean running;

    LongWaitsAtShutdown(BuildQueue queue, BuildEvents events) {
        this.queue = queue;
        this.events = events;
    }

    @Override
    public void start() {
        queue.resumeWaiting(); // a context stopped and started again (pause, restore) waits again
        events.resumeWaiting();
        running = true;
    }

    @Override
    public void stop() {
        queue.stopWaiting();
        events.stopWaiting();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE + 1;
    }
}
