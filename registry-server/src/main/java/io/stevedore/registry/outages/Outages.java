package io.stevedore.registry.outages;

import io.stevedore.storage.StorageUnavailableException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.Optional;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/**
 * Tells failures of the registry's dependencies from bugs: PostgreSQL down or restarting, the
 * blob store unreachable or throttling (503), the filesystem full (507). These are answered as
 * outages, fast and with Retry-After, instead of as a 500 with "see the log": the client did
 * nothing wrong and the same request will succeed once the dependency is back.
 */
public final class Outages {
    static final Outage DATABASE = new Outage(503,
            "the registry's database is unavailable; try again shortly", 5);
    static final Outage STORAGE = new Outage(503,
            "the registry's blob storage is unavailable; try again shortly", 5);
    static final Outage STORAGE_FULL = new Outage(507,
            "the registry's storage is full; nothing was stored, try again once space is freed", 60);

    private static final int MAX_CAUSES = 20;

    private Outages() {
    }

    /** The outage {@code failure} reveals anywhere in its causes, if it is one. */
    public static Optional<Outage> of(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
            Outage outage = direct(t);
            if (outage != null) {
                return Optional.of(outage);
            }
            // A commit or rollback the driver failed ("Connection is closed", no SQL state): the
            // database went away under the transaction, whatever failed first.
            if (t instanceof TransactionSystemException && t.getCause() instanceof SQLException) {
                return Optional.of(DATABASE);
            }
        }
        return Optional.empty();
    }

    private static Outage direct(Throwable t) {
        if (t instanceof StorageUnavailableException) {
            return STORAGE;
        }
        if (isDiskFull(t)) {
            return STORAGE_FULL;
        }
        if (t instanceof CannotCreateTransactionException || t instanceof DataAccessResourceFailureException
                || t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
                || t instanceof SQLRecoverableException) {
            return DATABASE;
        }
        if (t instanceof SQLException sql && isUnavailableState(sql.getSQLState())) {
            return DATABASE;
        }
        return null;
    }

    /** ENOSPC and EDQUOT, which Java reports only in the message of an IOException. */
    private static boolean isDiskFull(Throwable t) {
        String message = t.getMessage();
        return t instanceof java.io.IOException && message != null
                && (message.contains("No space left on device") || message.contains("Disk quota exceeded"));
    }

    /**
     * PostgreSQL's connection exceptions (class 08), shutting down or starting up (57P01-57P03),
     * too many connections (53300).
     */
    private static boolean isUnavailableState(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("57P") || state.equals("53300"));
    }
}
