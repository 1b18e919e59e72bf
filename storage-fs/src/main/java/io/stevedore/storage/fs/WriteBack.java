package io.stevedore.storage.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Early write-back of session files, off the request thread: platform threads, as it blocks in the kernel. */
final class WriteBack {
    private static final ExecutorService THREADS =
            Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("fs-write-back-", 0).factory());

    private WriteBack() {
    }

    /**
     * fsyncs the file through a descriptor of its own (the writer's may close first). A file
     * already renamed or deleted needs nothing; errors are the commit's fsync to report.
     */
    static Future<?> start(Path file) {
        return THREADS.submit(() -> {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.force(false);
            } catch (IOException e) {
                // gone (committed, cancelled) or refused: the commit's own fsync decides
            }
        });
    }
}
