package io.stevedore.registry.builds;

import java.time.Instant;

/**
 * One build as the queue holds it.
 *
 * @param repository the first tag's repository, under which the build is listed
 * @param attempt    how many leases it has had (0 while never started)
 * @param logLines   how many log lines it has; the last line's number
 */
public record Build(long id, String repository, BuildSpec spec, BuildStatus status, String step, String submittedBy,
                    Instant createdAt, Instant startedAt, Instant finishedAt, int attempt, String worker,
                    boolean cancelRequested, String digest, String error, int logLines) {
}
