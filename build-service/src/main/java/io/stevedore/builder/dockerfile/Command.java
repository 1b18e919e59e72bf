package io.stevedore.builder.dockerfile;

import java.util.List;

/**
 * What RUN, CMD, ENTRYPOINT and HEALTHCHECK CMD execute. Shell form: {@code args} is the one
 * script text as written (unexpanded; the executor runs it with the stage's SHELL). Exec form: the
 * JSON array's strings, never expanded, as Docker does.
 */
public record Command(boolean shellForm, List<String> args) {
    public Command {
        args = List.copyOf(args);
    }

    static Command shell(String script) {
        return new Command(true, List.of(script));
    }

    static Command exec(List<String> args) {
        return new Command(false, args);
    }
}
