package io.stevedore.builder.engine;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plain step-by-step progress in BuildKit's `--progress plain` style: `#N [stage i/n] INSTRUCTION`,
 * the step's output prefixed with `#N`, then `#N CACHED` or `#N DONE 1.2s`.
 */
public final class Progress {
    private final PrintStream out;
    private final boolean quiet;
    private final AtomicInteger steps = new AtomicInteger();
    private final long started = System.nanoTime();

    public Progress(PrintStream out, boolean quiet) {
        this.out = out;
        this.quiet = quiet;
    }

    public Step step(String title) {
        Step step = new Step(steps.incrementAndGet());
        print("#" + step.number + " " + title);
        return step;
    }

    public void info(String message) {
        print(message);
    }

    private void print(String line) {
        if (!quiet) {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        }
    }

    private String elapsed() {
        return String.format("%.3f", (System.nanoTime() - started) / 1e9);
    }

    /** One numbered step; its output stream prefixes each line with the step number and time. */
    public final class Step {
        private final int number;
        private final long stepStarted = System.nanoTime();

        private Step(int number) {
            this.number = number;
        }

        public void cached() {
            print("#" + number + " CACHED");
        }

        public void done() {
            print(String.format("#%d DONE %.1fs", number, (System.nanoTime() - stepStarted) / 1e9));
        }

        public void line(String text) {
            print("#" + number + " " + text);
        }

        public OutputStream output() {
            return new OutputStream() {
                private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

                @Override
                public void write(int b) {
                    if (b == '\n') {
                        flushLine();
                    } else if (line.size() < 16384) {
                        line.write(b);
                    }
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    for (int i = off; i < off + len; i++) {
                        write(b[i]);
                    }
                }

                @Override
                public void close() {
                    if (line.size() > 0) {
                        flushLine();
                    }
                }

                private void flushLine() {
                    print("#" + number + " " + elapsed() + " " + line.toString(StandardCharsets.UTF_8));
                    line.reset();
                }
            };
        }
    }
}
