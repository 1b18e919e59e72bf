package io.stevedore.registry.scaleout;

import java.nio.file.Path;
import java.util.List;

/** The storage every replica of a scale-out test shares. */
final class ScaleOutStorage {
    private ScaleOutStorage() {
    }

    /** Registry arguments pointing each replica at the shared storage under {@code work}. */
    static List<String> arguments(Path work) {
        // A filesystem both processes see, as a shared volume would be; the data dir is where
        // the filesystem store keeps its blobs, and the replicas use no embedded database here.
        return List.of("--registry.storage.type=fs", "--registry.data-dir=" + work.resolve("shared-data"));
    }
}
