package io.stevedore.registry.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Two transactions that lock two rows in opposite orders, made to meet: PostgreSQL aborts one of
 * them after its deadlock_timeout, and DeadlockRetry runs that one again, so both complete. Any
 * other failure is not retried.
 */
class DeadlockRetryTest extends AuthRegistryTestSupport {

    @Test
    void theVictimOfADeadlockRunsAgainAndBothTransactionsComplete() throws Exception {
        JdbcClient jdbc = authContext().getBean(JdbcClient.class);
        TransactionTemplate transaction =
                new TransactionTemplate(authContext().getBean(PlatformTransactionManager.class));
        long first = repository(jdbc);
        long second = repository(jdbc);
        CyclicBarrier bothHoldTheirFirstRow = new CyclicBarrier(2);
        AtomicInteger runs = new AtomicInteger();

        try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
            List<Future<?>> transactions = List.of(
                    threads.submit(() -> lockBoth(jdbc, transaction, first, second, bothHoldTheirFirstRow, runs)),
                    threads.submit(() -> lockBoth(jdbc, transaction, second, first, bothHoldTheirFirstRow, runs)));
            for (Future<?> t : transactions) {
                t.get(60, TimeUnit.SECONDS); // throws if either failed
            }
        }
        assertThat(runs.get()).as("the two transactions' runs, one of them twice").isEqualTo(3);
    }

    @Test
    void otherFailuresAreNotRetried() {
        JdbcClient jdbc = authContext().getBean(JdbcClient.class);
        TransactionTemplate transaction =
                new TransactionTemplate(authContext().getBean(PlatformTransactionManager.class));
        String name = "deadlock/taken-" + UUID.randomUUID();
        jdbc.sql("insert into repositories (name) values (?)").param(name).update();
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> DeadlockRetry.run(transaction, status -> {
            runs.incrementAndGet();
            jdbc.sql("insert into repositories (name) values (?)").param(name).update();
        })).isInstanceOf(DuplicateKeyException.class);
        assertThat(runs.get()).isEqualTo(1);
    }

    /** Locks {@code a}, waits (on its first run only) until the other holds its first row, then locks {@code b}. */
    private static void lockBoth(JdbcClient jdbc, TransactionTemplate transaction, long a, long b,
                                 CyclicBarrier bothHoldTheirFirstRow, AtomicInteger runs) {
        DeadlockRetry.run(transaction, status -> {
            boolean firstRun = runs.incrementAndGet() <= 2;
            lock(jdbc, a);
            if (firstRun) {
                try {
                    bothHoldTheirFirstRow.await(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("the other transaction never took its first row", e);
                }
            }
            lock(jdbc, b);
        });
    }

    private static void lock(JdbcClient jdbc, long repository) {
        jdbc.sql("select id from repositories where id = ? for update").param(repository).query(Long.class).single();
    }

    private static long repository(JdbcClient jdbc) {
        return jdbc.sql("insert into repositories (name) values (?) returning id")
                .param("deadlock/row-" + UUID.randomUUID()).query(Long.class).single();
    }
}
