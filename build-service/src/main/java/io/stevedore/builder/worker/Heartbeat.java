package io.stevedore.builder.worker;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Keeps a job's lease: `POST .../heartbeat` every {@code heartbeatSeconds} with the current step.
 * A failed heartbeat is simply tried again at the next beat (the lease outlives a few of them).
 */
final class Heartbeat implements AutoCloseable {

    /** What the registry can answer besides "carry on". */
    interface Listener {
        void cancelRequested();

        void leaseLost();
    }

    /** One heartbeat call: true when the build was cancelled. */
    interface Call {
        boolean beat(String step) throws IOException, InterruptedException;
    }

    private final Thread thread;

    Heartbeat(Call call, Duration interval, Supplier<String> step, Listener listener) {
        this.thread = Thread.ofPlatform().daemon().name("heartbeat").start(() -> run(call, interval, step, listener));
    }

    private static void run(Call call, Duration interval, Supplier<String> step, Listener listener) {
        try {
            while (true) {
                Thread.sleep(interval);
                try {
                    if (call.beat(step.get())) {
                        listener.cancelRequested();
                    }
                } catch (IOException e) {
                    // the registry may be restarting; the next beat tries again
                } catch (LeaseLostException e) {
                    listener.leaseLost();
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join();
    }
}
