package io.stevedore.registry.metadata;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps tag stamps one row per repository (migration V17): every statement that changes tags adds
 * a change row, and a stamp is their sum. A tag page folds its own repository's rows when they
 * pile up; this folds the rest once a minute, so that repositories pushed into but not listed do
 * not grow without bound. Every replica runs it; two folds side by side keep every sum.
 */
@Component
class TagChangeFolding {
    private static final Logger log = LoggerFactory.getLogger(TagChangeFolding.class);

    private final TagPages pages;

    TagChangeFolding(TagPages pages) {
        this.pages = pages;
    }

    @Scheduled(initialDelayString = "PT1M", fixedDelayString = "PT1M")
    void scheduled() {
        try {
            int folded = pages.foldChanges();
            int forgotten = pages.forgetDeletedRepositories();
            log.debug("tag changes: {} repositories folded, {} rows of deleted ones dropped", folded, forgotten);
        } catch (RuntimeException e) {
            log.warn("could not fold the tag change rows: {}", e.toString());
        }
    }
}
