package io.stevedore.builder.files;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Whole directory trees, removed without following symlinks (which could point anywhere). */
public final class FileTrees {

    private FileTrees() {
    }

    /** rm -rf, failing on the first entry that cannot be removed; absent is fine. */
    public static void delete(Path root) throws IOException {
        if (Files.exists(root, NOFOLLOW_LINKS)) {
            Files.walkFileTree(root, new Deleter(false));
        }
    }

    /** rm -rf of scratch space: best effort, removes what it can and never throws; null or absent is fine. */
    public static void deleteQuietly(Path root) {
        if (root == null || !Files.exists(root, NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new Deleter(true));
        } catch (IOException ignored) {
            // the quiet deleter throws nothing; the next cleanup takes what is left
        }
    }

    private static final class Deleter extends SimpleFileVisitor<Path> {
        private final boolean quiet;

        Deleter(boolean quiet) {
            this.quiet = quiet;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            remove(file);
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (!quiet) {
                throw e;
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null && !quiet) {
                throw e;
            }
            remove(dir);
            return FileVisitResult.CONTINUE;
        }

        private void remove(Path path) throws IOException {
            try {
                Files.delete(path);
            } catch (IOException e) {
                if (!quiet) {
                    throw e;
                }
            }
        }
    }
}
