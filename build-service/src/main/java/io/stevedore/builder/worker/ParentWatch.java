package io.stevedore.builder.worker;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The registry's embedded worker ends with the registry. The registry stops it on a clean
 * shutdown, but when the registry is SIGKILLed (the OOM killer, {@code kill -9}) nothing does,
 * and the orphan would keep polling a dead port for ever, beside the worker the restarted
 * registry starts. So the registry names itself in {@value #ENVIRONMENT} and the worker watches it.
 */
final class ParentWatch {
    /** The registry's process id, set for the worker it starts. */
    static final String ENVIRONMENT = "STEVEDORE_WORKER_PARENT_PID";

    private ParentWatch() {}

    /**
     * Runs {@code onGone} once the process {@code pid} (the value of {@value #ENVIRONMENT}) has
     * exited, at once if it is not there; nothing for a null pid (a worker started by hand).
     */
    static CompletableFuture<Void> whenGone(String pid, Runnable onGone) {
        if (pid == null || pid.isBlank()) {
            return new CompletableFuture<>();
        }
        Optional<ProcessHandle> parent;
        try {
            parent = ProcessHandle.of(Long.parseLong(pid.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("$" + ENVIRONMENT + " is not a process id: " + pid);
        }
        CompletableFuture<?> exited = parent.<CompletableFuture<?>>map(ProcessHandle::onExit)
                .orElseGet(() -> CompletableFuture.completedFuture(null));
        return exited.thenRun(onGone);
    }
}
