package io.stevedore.registry.builds;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Ends the builds API's long requests when the registry stops: a worker's lease poll (up to
 * 30 s) is answered at once with no build, and a followed log stream ends (its client resumes
 * after its last event id). Later requests are not served at all: the web server stops reading
 * requests, on kept-alive connections too, and the worker backs off until it reaches a registry. The web server's graceful shutdown waits
 * for every request in flight, so without this a stop waited out the embedded worker's poll
 * (17 s of a 20 s stop, measured) and a log followed in a browser held it for the whole
 * shutdown timeout. It stops in the highest phase, before the web server's graceful shutdown.
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
}
