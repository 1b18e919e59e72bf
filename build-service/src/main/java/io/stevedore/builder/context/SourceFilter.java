package io.stevedore.builder.context;

import java.nio.file.Path;

/** Which files below a COPY source directory are copied; the build context applies .dockerignore. */
public interface SourceFilter {
    SourceFilter ALL = new SourceFilter() {
        @Override
        public boolean included(Path path) {
            return true;
        }

        @Override
        public boolean mayIncludeBelow(Path excludedDirectory) {
            return false;
        }
    };

    boolean included(Path path);

    /** Whether an excluded directory may still hold included paths ('!' exceptions), so must be walked. */
    boolean mayIncludeBelow(Path excludedDirectory);
}
