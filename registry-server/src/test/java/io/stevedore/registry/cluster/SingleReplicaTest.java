package io.stevedore.registry.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.RegistryTestSupport;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SingleReplicaTest extends RegistryTestSupport {

    @Test
    void aTaskDoesNotRunWhileAnotherRunOfItHoldsTheLock() throws Exception {
        // each run takes a connection of its own, as a run on another replica would
        SingleReplica replica = context().getBean(SingleReplica.class);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Optional<String>> first = CompletableFuture.supplyAsync(() -> replica.runIfFree("test-task", () -> {
            running.countDown();
            await(release);
            return "first";
        }));
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();

        assertThat(replica.runIfFree("test-task", () -> "second")).isEmpty();
        assertThat(replica.runIfFree("other-task", () -> "other")).contains("other");

        release.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS)).contains("first");
        assertThat(replica.runIfFree("test-task", () -> "third")).contains("third");
    }

    @Test
    void aFailingTaskReleasesTheLock() {
        SingleReplica replica = context().getBean(SingleReplica.class);
        try {
            replica.runIfFree("failing-task", () -> {
                throw new IllegalStateException("boom");
            });
        } catch (IllegalStateException expected) {
            // the task's own failure reaches the caller
        }
        assertThat(replica.runIfFree("failing-task", () -> "again")).contains("again");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
