package io.stevedore.registry.gc;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a collection to a share of the wall-clock time ({@code registry.gc.duty-cycle}): after
 * each batch it rests in proportion to how long the batch worked. Collecting at full speed took
 * one of two cores with PostgreSQL and cut pushes and pulls beside it by 25-55 %
 * (docs/benchmarks.md); a run that takes longer costs nobody anything, a push that waits does.
 */
final class Pacer {
    private static final long LONGEST_REST = Duration.ofSeconds(5).toNanos();
    private final double dutyCycle;
    private long workingSince = System.nanoTime();

    /** @param dutyCycle the share of time spent working, in (0, 1]; 1 never rests */
    Pacer(double dutyCycle) {
        if (!(dutyCycle > 0 && dutyCycle <= 1)) {
            throw new IllegalArgumentException("registry.gc.duty-cycle must be in (0, 1], not " + dutyCycle);
        }
        this.dutyCycle = dutyCycle;
    }

    /** Called after a batch: rests, then counts the next batch's work from now. */
    void rest() {
        if (dutyCycle < 1) {
            long worked = System.nanoTime() - workingSince;
            long rest = Math.min(LONGEST_REST, (long) (worked * (1 - dutyCycle) / dutyCycle));
            try {
                TimeUnit.NANOSECONDS.sleep(rest);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        workingSince = System.nanoTime();
    }
}
