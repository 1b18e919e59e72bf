package io.stevedore.registry.usage;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keeps the usage figures cheap to read. Pushes and deletes record usage as change rows (so that
 * pushes into one namespace do not wait on each other, migration V12); a figure is the sum of its
 * rows, and this folds them into one row per figure once a minute. It also counts the pushes that
 * namespaces without a quota leave in the backlog (V18), every 10 s unless
 * {@code registry.usage.backlog-drain-interval} says otherwise. Every replica runs it: each
 * step is safe beside another replica's (a row one folds, the other skips).
 */
@Component
public class UsageCompaction {
    private static final Logger log = LoggerFactory.getLogger(UsageCompaction.class);
    private static final int REPOSITORIES_PER_ROUND = 200;

    private final UsageStore usage;
    private final TransactionTemplate transaction;

    UsageCompaction(UsageStore usage, TransactionTemplate transaction) {
        this.usage = usage;
        this.transaction = transaction;
    }

    @Scheduled(initialDelayString = "PT1M", fixedDelayString = "PT1M")
    void scheduled() {
        try {
            compact();
        } catch (RuntimeException e) {
            log.warn("could not compact the storage usage figures: {}", e.toString());
        }
    }

    /**
     * Counts the backlog more often than the minute of the other steps: what it holds is counted
     * in one transaction per namespace, under the lock pushes into it wait for, so it stays short.
     */
    @Scheduled(initialDelayString = "${registry.usage.backlog-drain-interval:PT10S}",
            fixedDelayString = "${registry.usage.backlog-drain-interval:PT10S}")
    void drainScheduled() {
        try {
            usage.drainBacklog();
        } catch (RuntimeException e) {
            log.warn("could not count the storage usage backlog: {}", e.toString());
        }
    }

    /** One round of every step; figures read the same before and after. */
    public void compact() {
        List<Long> repositories;
        long after = 0;
        do {
            repositories = usage.repositoriesWithHolderChanges(after, REPOSITORIES_PER_ROUND);
            // one transaction per repository: its objects stay locked against pushes only briefly
            repositories.forEach(id -> transaction.executeWithoutResult(status -> usage.foldHolderChanges(id)));
            after = repositories.isEmpty() ? after : repositories.getLast();
        } while (repositories.size() == REPOSITORIES_PER_ROUND);
        int folded = usage.compactChanges();
        int forgotten = usage.forgetDeletedRepositories();
        log.debug("usage compaction: {} change rows folded, {} deleted repositories forgotten", folded, forgotten);
    }
}
