package io.stevedore.registry.builds;

import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * Tells the log streams of this replica that a build has news (log lines, its end), so a
 * follower sees them at once instead of at its next poll of the table; followers of builds whose
 * worker reports to another replica still poll.
 */
@Component
class BuildEvents {
    private final Object changed = new Object();
    private volatile boolean stopping;

    void changed() {
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    /** Waits for news of any build, at most {@code timeout}; not at all once the registry stops. */
    void await(Duration timeout) throws InterruptedException {
        synchronized (changed) {
            if (!stopping) {
                changed.wait(Math.max(1, timeout.toMillis()));
            }
        }
    }

    /** Wakes every follower for good: the registry is stopping (LongWaitsAtShutdown). */
    void stopWaiting() {
        stopping = true;
        changed();
    }

    void resumeWaiting() {
        stopping = false;
    }

    boolean stopping() {
        return stopping;
    }
}
