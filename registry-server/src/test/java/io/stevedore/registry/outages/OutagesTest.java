package io.stevedore.registry.outages;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.storage.StorageUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.TransactionSystemException;

class OutagesTest {

    @Test
    void noConnectionFromThePoolIsADatabaseOutage() {
        var failure = new CannotGetJdbcConnectionException("no connection",
                new SQLTransientConnectionException("HikariPool-1 - Connection is not available"));
        assertThat(Outages.of(failure)).contains(Outages.DATABASE);
    }

    @Test
    void serverShuttingDownIsADatabaseOutage() {
        var failure = new RuntimeException(new SQLException("terminating connection due to administrator command",
                "57P01"));
        assertThat(Outages.of(failure)).contains(Outages.DATABASE);
    }

    @Test
    void rollbackFailingAfterTheDatabaseClosedTheConnectionIsADatabaseOutage() {
        var rollback = new TransactionSystemException("JDBC rollback failed", new SQLException("Connection is closed"));
        assertThat(Outages.of(rollback)).contains(Outages.DATABASE);
    }

    @Test
    void fullDiskIsInsufficientStorage() {
        var failure = new UncheckedIOException(new FileSystemException("/data/storage/uploads/x: No space left on device"));
        assertThat(Outages.of(failure)).contains(Outages.STORAGE_FULL);
        assertThat(Outages.STORAGE_FULL.status()).isEqualTo(507);
    }

    /** EDQUOT: root, whom the registry's tests run as, is above disk quotas, so only its message can be given. */
    @Test
    void exceededDiskQuotaIsInsufficientStorage() {
        var failure = new UncheckedIOException(new IOException("Disk quota exceeded"));
        assertThat(Outages.of(failure)).contains(Outages.STORAGE_FULL);
    }

    @Test
    void unavailableStoreIsAStorageOutage() {
        assertThat(Outages.of(new StorageUnavailableException("S3 put failed: 503 SlowDown", null)))
                .contains(Outages.STORAGE);
    }

    @Test
    void bugsAndBadDataAreNoOutage() {
        assertThat(Outages.of(new NullPointerException())).isEmpty();
        assertThat(Outages.of(new IOException("unreadable S3 upload state"))).isEmpty();
        assertThat(Outages.of(new DataIntegrityViolationException("duplicate key"))).isEmpty();
    }
}
