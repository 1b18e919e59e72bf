package io.stevedore.builder.worker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Ships a build's log lines to the registry in order, in batches of up to {@link #BATCH_LINES}
 * lines at most {@link #BATCH_DELAY} after the first of them arrived. A batch stays queued until
 * the registry took it (failed POSTs are retried with backoff), so no line is lost or reordered;
 * only a lost lease ends the shipping early. Also remembers the current step's title line
 * ("#3 [2/4] RUN make") for heartbeats.
 */
final class LogShipper implements AutoCloseable {
    static final int BATCH_LINES = 256;
    static final Duration BATCH_DELAY = Duration.ofMillis(200);
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(5);

    /** Where batches go: `POST .../log` in the worker. */
    interface Sink {
        void ship(String lines) throws IOException, InterruptedException;
    }

    private final Sink sink;
    private final Duration retryDelay;
    private final Runnable onLeaseLost;
    private final ArrayDeque<String> pending = new ArrayDeque<>();   // guarded by this; the head is in flight
    private final Thread thread;
    private boolean closed;
    private volatile boolean leaseLost;
    private volatile String step = "";
    private int stepNumber;

    LogShipper(Sink sink, Duration retryDelay, Runnable onLeaseLost) {
        this.sink = sink;
        this.retryDelay = retryDelay;
        this.onLeaseLost = onLeaseLost;
        this.thread = Thread.ofPlatform().daemon().name("log-shipper").start(this::run);
    }

    /** Queues one line (without its newline). */
    synchronized void line(String line) {
        pending.addLast(line);
        rememberStep(line);
        if (pending.size() == 1 || pending.size() >= BATCH_LINES) {
            notifyAll(); // the first line starts the batch delay; a full batch goes at once
        }
    }

    /** The last step title Progress printed, or "" before the first. */
    String step() {
        return step;
    }

    boolean leaseLost() {
        return leaseLost;
    }

    /** A stream for {@link io.stevedore.builder.engine.Progress}: every UTF-8 line written becomes a log line. */
    PrintStream printStream() {
        return new PrintStream(new LineSplitter(), true, StandardCharsets.UTF_8);
    }

    /** Ships what is queued and stops; returns early only when the lease is lost. */
    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        thread.join();
    }

    private void run() {
        try {
            List<String> batch;
            while ((batch = nextBatch()) != null) {
                shipUntilTaken(String.join("\n", batch) + "\n");
                synchronized (this) {
                    for (int i = 0; i < batch.size(); i++) {
                        pending.removeFirst();
                    }
                }
            }
        } catch (LeaseLostException e) {
            leaseLost = true;
            onLeaseLost.run();
        } catch (InterruptedException e) {
            // the worker is going away; the lease expires and the build is retried elsewhere
        }
    }

    /** The next lines to send, waiting for a full batch or the batch delay; null when closed and all sent. */
    private synchronized List<String> nextBatch() throws InterruptedException {
        while (pending.isEmpty()) {
            if (closed) {
                return null;
            }
            wait();
        }
        long deadline = System.nanoTime() + BATCH_DELAY.toNanos();
        long left;
        while (pending.size() < BATCH_LINES && !closed && (left = deadline - System.nanoTime()) > 0) {
            wait(Math.max(1, left / 1_000_000));
        }
        List<String> batch = new ArrayList<>(Math.min(pending.size(), BATCH_LINES));
        for (String line : pending) {
            if (batch.size() == BATCH_LINES) {
                break;
            }
            batch.add(line);
        }
        return batch;
    }

    private void shipUntilTaken(String lines) throws InterruptedException {
        Duration delay = retryDelay;
        while (true) {
            try {
                sink.ship(lines);
                return;
            } catch (IOException e) {
                Thread.sleep(delay);
                delay = delay.multipliedBy(2).compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : delay.multipliedBy(2);
            }
        }
    }

    /** Progress prints a step's title first, so a line with a step number not seen before is a title. */
    private void rememberStep(String line) {
        if (line.length() < 3 || line.charAt(0) != '#') {
            return;
        }
        int end = 1;
        while (end < line.length() && Character.isDigit(line.charAt(end))) {
            end++;
        }
        if (end == 1 || end >= line.length() || line.charAt(end) != ' ' || end > 10) {
            return;
        }
        int number = Integer.parseInt(line.substring(1, end));
        if (number > stepNumber) {
            stepNumber = number;
            step = line;
        }
    }

    /** Bytes to lines; a line is complete at '\n' (a trailing '\r' is dropped). */
    private final class LineSplitter extends OutputStream {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                int length = line.size();
                byte[] bytes = line.toByteArray();
                if (length > 0 && bytes[length - 1] == '\r') {
                    length--;
                }
                line(new String(bytes, 0, length, StandardCharsets.UTF_8));
                line.reset();
            } else {
                line.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        @Override
        public synchronized void close() {
            if (line.size() > 0) {
                write('\n');
            }
        }
    }
}
