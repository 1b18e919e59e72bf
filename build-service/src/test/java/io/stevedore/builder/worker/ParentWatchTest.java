package io.stevedore.builder.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ParentWatchTest {

    @Test
    void actsOnceTheWatchedProcessIsKilled() throws Exception {
        Process parent = new ProcessBuilder("sleep", "600").start();
        CountDownLatch gone = new CountDownLatch(1);
        try {
            ParentWatch.whenGone(Long.toString(parent.pid()), gone::countDown);
            assertThat(gone.getCount()).as("not while it runs").isOne();
        } finally {
            parent.destroyForcibly(); // SIGKILL
        }
        assertThat(gone.await(60, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void actsAtOnceWhenTheProcessIsAlreadyGone() throws Exception {
        Process parent = new ProcessBuilder("true").start();
        parent.waitFor();
        CountDownLatch gone = new CountDownLatch(1);
        ParentWatch.whenGone(Long.toString(parent.pid()), gone::countDown);
        assertThat(gone.await(60, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aWorkerStartedByHandWatchesNothing() {
        assertThat(ParentWatch.whenGone(null, () -> { })).isNotDone();
    }

    @Test
    void aMalformedPidIsAUsageError() {
        assertThatThrownBy(() -> ParentWatch.whenGone("12x", () -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("STEVEDORE_WORKER_PARENT_PID");
    }
}
