package io.stevedore.registry.metadata;

import java.sql.SQLException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs a transaction again when PostgreSQL broke a deadlock by aborting it (SQLSTATE 40P01).
 * Writers take their locks in one order (docs: migration V12's header, {@link ManifestStore#delete}),
 * but rare combinations (a copy out of a repository being deleted, an immutable tag written
 * while its old manifest goes) can still meet the other way round; PostgreSQL then aborts one
 * after {@code deadlock_timeout} and the other goes on. The aborted one is rolled back whole,
 * so running it again is safe, and its client sees a slower answer instead of a 500.
 */
public final class DeadlockRetry {
    private static final Logger log = LoggerFactory.getLogger(DeadlockRetry.class);
    private static final int ATTEMPTS = 3;
    private static final String DEADLOCK_DETECTED = "40P01";

    private DeadlockRetry() {
    }

    /** {@code work} in a transaction of {@code transaction}, up to three times if it is a deadlock's victim. */
    public static void run(TransactionTemplate transaction, Consumer<TransactionStatus> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                transaction.executeWithoutResult(work);
                return;
            } catch (RuntimeException e) {
                if (attempt == ATTEMPTS || !isDeadlock(e)) {
                    throw e;
                }
                log.info("transaction aborted to break a deadlock; running it again (attempt {})", attempt + 1);
            }
        }
    }

    static boolean isDeadlock(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && DEADLOCK_DETECTED.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
