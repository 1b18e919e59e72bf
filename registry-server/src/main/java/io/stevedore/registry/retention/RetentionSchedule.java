package io.stevedore.registry.retention;

import io.stevedore.registry.cluster.SingleReplica;
import io.stevedore.registry.config.RegistryProperties;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Runs every retention policy every {@code registry.retention.interval}. Every replica schedules
 * it; the advisory lock of {@link SingleReplica} lets one run at a time, and the others skip that
 * turn.
 */
@Component
class RetentionSchedule implements SchedulingConfigurer {
    static final String TASK = "retention-schedule";
    private static final Logger log = LoggerFactory.getLogger(RetentionSchedule.class);

    private final Retention retention;
    private final SingleReplica singleReplica;
    private final Duration interval;

    RetentionSchedule(Retention retention, SingleReplica singleReplica, RegistryProperties properties) {
        this.retention = retention;
        this.singleReplica = singleReplica;
        this.interval = properties.retention().interval();
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        if (interval.isPositive()) {
            registrar.addFixedDelayTask(new FixedDelayTask(this::runOnce, interval, interval));
        }
    }

    /** Runs every policy unless another replica is doing so; false when it was. */
    boolean runOnce() {
        try {
            return singleReplica.runIfFree(TASK, () -> {
                List<Retention.RepositoryRun> runs = retention.runAll();
                int tags = runs.stream().mapToInt(r -> r.tags().size()).sum();
                int manifests = runs.stream().mapToInt(r -> r.manifests().size()).sum();
                if (tags + manifests > 0) {
                    log.info("Retention deleted {} tags and {} manifests in {} repositories", tags, manifests,
                            runs.stream().filter(r -> !r.tags().isEmpty() || !r.manifests().isEmpty()).count());
                }
                return true;
            }).orElse(false);
        } catch (RuntimeException e) {
            // the next turn tries again; a failing turn must not end the schedule
            log.warn("Retention run failed: {}", e.toString());
            return false;
        }
    }
}
