package io.stevedore.registry.gc;

import io.stevedore.registry.config.RegistryProperties;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

/**
 * Every replica schedules a collection each {@code registry.gc.interval}, the first one interval
 * after start; {@link GarbageCollector#collect} runs it on whichever replica gets the lock first
 * and the others skip that round.
 */
@Configuration(proxyBeanMethods = false)
class GcSchedule implements SchedulingConfigurer {
    private static final Logger log = LoggerFactory.getLogger(GcSchedule.class);

    private final GarbageCollector collector;
    private final Duration interval;

    GcSchedule(GarbageCollector collector, RegistryProperties properties) {
        this.collector = collector;
        this.interval = properties.gc().interval();
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        if (interval.isZero() || interval.isNegative()) {
            return;
        }
        registrar.addFixedDelayTask(new FixedDelayTask(this::collect, interval, interval));
    }

    private void collect() {
        try {
            if (collector.collect("schedule", null).isEmpty()) {
                log.debug("garbage collection skipped: another replica is collecting");
            }
        } catch (RuntimeException e) {
            log.warn("scheduled garbage collection failed: {}", e.toString());
        }
    }
}
