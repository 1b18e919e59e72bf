package io.stevedore.builder.sandbox;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A host file or directory made visible at {@code target} inside the step: secrets, cache dirs and
 * bind mounts from the context or other stages.
 */
public record BindMount(Path source, String target, boolean readOnly) {

    public BindMount {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
    }
}
