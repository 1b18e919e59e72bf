package io.stevedore.registry.builds;

import io.stevedore.registry.config.RegistryProperties;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Deletes the logs of builds that ended longer ago than {@code registry.builds.log-retention}. */
@Component
class BuildLogRetention {
    private static final Logger log = LoggerFactory.getLogger(BuildLogRetention.class);

    private final BuildStore builds;
    private final Duration retention;

    BuildLogRetention(BuildStore builds, RegistryProperties properties) {
        this.builds = builds;
        this.retention = properties.builds().logRetention();
    }

    @Scheduled(initialDelayString = "PT2M", fixedDelayString = "PT1H")
    void expire() {
        int deleted = builds.deleteLogsEndedBefore(Instant.now().minus(retention));
        if (deleted > 0) {
            log.info("Deleted {} log lines of builds that ended more than {} ago", deleted, retention);
        }
    }
}
