package io.stevedore.builder.engine;

import io.stevedore.builder.dockerfile.ArgDeclaration;
import io.stevedore.builder.dockerfile.Command;
import io.stevedore.builder.dockerfile.GoDuration;
import io.stevedore.builder.dockerfile.Instruction;
import io.stevedore.builder.dockerfile.KeyValue;
import io.stevedore.builder.dockerfile.ShellWords;
import io.stevedore.builder.dockerfile.Stage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The instructions that make no layer: ENV, ARG, LABEL, WORKDIR, USER, CMD, ENTRYPOINT, SHELL,
 * EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, ONBUILD and MAINTAINER. Each changes the stage's image
 * config (or, for ARG, its variables) and adds the {@code empty_layer} history entry Docker writes
 * for it. ARG values come from here too, the global ones before the first FROM included.
 */
final class ConfigInstructions {
    private final Map<String, String> buildArgs;
    private final Set<String> usedBuildArgs;
    private final char escape;
    private final Map<String, String> globalArgs;

    /**
     * @param buildArgs     the request's {@code --build-arg}s (a null value: take the inherited one)
     * @param usedBuildArgs where the names of the build args an ARG consumed are recorded
     * @param predefined    the predefined platform ARGs (TARGETPLATFORM, BUILDARCH...)
     * @param declaredGlobalArgs the ARGs before the first FROM
     */
    ConfigInstructions(Map<String, String> buildArgs, Set<String> usedBuildArgs, char escape,
                       Map<String, String> predefined, List<Instruction.Arg> declaredGlobalArgs) {
        this.buildArgs = buildArgs;
        this.usedBuildArgs = usedBuildArgs;
        this.escape = escape;
        Map<String, String> args = new HashMap<>(predefined);
        for (Instruction.Arg arg : declaredGlobalArgs) {
            for (ArgDeclaration declaration : arg.declarations()) {
                args.put(declaration.name(), argValue(declaration, args::get, args));
            }
        }
        this.globalArgs = args;
    }

    /** The predefined platform ARGs plus the ARGs declared before the first FROM: what FROM lines expand with. */
    Map<String, String> globalArgs() {
        return globalArgs;
    }

    /** A declared ARG's value: the build arg when given, else its default expanded, else inherited. */
    private String argValue(ArgDeclaration declaration, Function<String, String> lookup, Map<String, String> inherited) {
        String name = declaration.name();
        if (buildArgs.containsKey(name)) {
            usedBuildArgs.add(name);
            String value = buildArgs.get(name);
            return value != null ? value : inherited.get(name);   // `--build-arg NAME` with NAME unset in the environment
        }
        if (declaration.defaultValue() != null) {
            return ShellWords.word(declaration.defaultValue(), lookup, escape);
        }
        return inherited.get(name);
    }

    /**
     * Applies {@code instruction} (of {@code stage}, or one of its ONBUILD triggers) to the stage's
     * config and history; the history entry's created_by text.
     *
     * @throws IllegalArgumentException for RUN, COPY, ADD and FROM, which are not config instructions
     */
    String apply(Instruction instruction, StageState state, Stage stage) {
        String createdBy = configure(instruction, state, stage);
        state.config.addHistory(state.lastTime, createdBy, true, "buildkit.dockerfile.v0");
        return createdBy;
    }

    private String configure(Instruction instruction, StageState state, Stage stage) {
        Function<String, String> lookup = state.lookup();
        char escape = state.escape;
        return switch (instruction) {
            case Instruction.Env env -> {
                for (KeyValue pair : env.pairs()) {
                    String key = ShellWords.word(pair.key(), lookup, escape);
                    state.config.setEnv(key, ShellWords.word(pair.value(), lookup, escape));
                    lookup = state.lookup();
                }
                yield "ENV " + envText(env, state);
            }
            case Instruction.Arg arg -> {
                for (ArgDeclaration declaration : arg.declarations()) {
                    // `ARG NAME` inside a stage inherits the global value (or the predefined platform value)
                    String value = argValue(declaration, state.lookup(), globalArgs);
                    if (value != null) {
                        state.args.put(declaration.name(), value);
                    } else {
                        state.args.remove(declaration.name());
                    }
                }
                yield "ARG " + String.join(" ", arg.declarations().stream()
                        .map(d -> state.args.containsKey(d.name()) ? d.name() + "=" + state.args.get(d.name()) : d.name()).toList());
            }
            case Instruction.Label label -> {
                List<String> parts = new ArrayList<>();
                for (KeyValue pair : label.pairs()) {
                    String key = ShellWords.word(pair.key(), lookup, escape);
                    String value = ShellWords.word(pair.value(), lookup, escape);
                    state.config.label(key, value);
                    parts.add(key + "=" + value);
                }
                yield "LABEL " + String.join(" ", parts);
            }
            case Instruction.Workdir workdir -> {
                String path = ShellWords.word(workdir.path(), lookup, escape);
                String resolved = path.startsWith("/") ? path : StageExecutor.join(state.config.workingDir(), path);
                state.config.workingDir(StageExecutor.normalise(resolved));
                yield "WORKDIR " + state.config.workingDir();
            }
            case Instruction.User user -> {
                String value = ShellWords.word(user.user(), lookup, escape);
                state.config.user(value);
                yield "USER " + value;
            }
            case Instruction.Cmd cmd -> {
                state.config.cmd(commandArgs(cmd.command(), state));
                yield "CMD " + StageExecutor.json(state.config.cmd());
            }
            case Instruction.Entrypoint entrypoint -> {
                state.config.entrypoint(commandArgs(entrypoint.command(), state));
                // Docker: an ENTRYPOINT resets a CMD inherited from the base image.
                if (!stageSetsCmdBefore(stage, entrypoint)) {
                    state.config.cmd(null);
                }
                yield "ENTRYPOINT " + StageExecutor.json(state.config.entrypoint());
            }
            case Instruction.Shell shell -> {
                state.config.shell(shell.shell());
                yield "SHELL " + StageExecutor.json(shell.shell());
            }
            case Instruction.Expose expose -> {
                List<String> ports = new ArrayList<>();
                for (String raw : expose.ports()) {
                    for (String port : ShellWords.words(raw, lookup, escape)) {
                        String normalised = port.contains("/") ? port.toLowerCase(Locale.ROOT) : port + "/tcp";
                        state.config.exposePort(normalised);
                        ports.add(normalised);
                    }
                }
                yield "EXPOSE map[" + String.join(" ", ports.stream().map(p -> p + ":{}").toList()) + "]";
            }
            case Instruction.Volume volume -> {
                List<String> paths = new ArrayList<>();
                for (String raw : volume.paths()) {
                    String path = ShellWords.word(raw, lookup, escape);
                    if (path.isBlank()) {
                        throw new BuildException("Dockerfile:" + volume.line() + ": VOLUME specified can not be an empty string");
                    }
                    state.config.volume(path);
                    paths.add(path);
                }
                yield "VOLUME " + StageExecutor.json(paths);
            }
            case Instruction.StopSignal stopSignal -> {
                String signal = ShellWords.word(stopSignal.signal(), lookup, escape);
                state.config.stopSignal(signal);
                yield "STOPSIGNAL " + signal;
            }
            case Instruction.Healthcheck healthcheck -> {
                if (healthcheck.test() == null) {
                    state.config.healthcheck(null, null, null, null, null, null);
                    yield "HEALTHCHECK NONE";
                }
                List<String> test = new ArrayList<>();
                test.add(healthcheck.test().shellForm() ? "CMD-SHELL" : "CMD");
                test.addAll(healthcheck.test().args());
                state.config.healthcheck(test, nanos(healthcheck.interval(), "--interval", healthcheck.line()),
                        nanos(healthcheck.timeout(), "--timeout", healthcheck.line()),
                        nanos(healthcheck.startPeriod(), "--start-period", healthcheck.line()),
                        nanos(healthcheck.startInterval(), "--start-interval", healthcheck.line()),
                        retries(healthcheck.retries(), healthcheck.line()));
                yield "HEALTHCHECK &{" + StageExecutor.json(test) + "}";
            }
            case Instruction.Onbuild onbuild -> {
                state.config.addOnBuild(onbuild.trigger());
                yield "ONBUILD " + onbuild.trigger();
            }
            case Instruction.Maintainer maintainer -> {
                state.config.author(maintainer.name());
                yield "MAINTAINER " + maintainer.name();
            }
            case Instruction.Run ignored -> throw notConfig(instruction);
            case Instruction.Copy ignored -> throw notConfig(instruction);
            case Instruction.Add ignored -> throw notConfig(instruction);
            case Instruction.From ignored -> throw notConfig(instruction);
        };
    }

    private static IllegalArgumentException notConfig(Instruction instruction) {
        return new IllegalArgumentException("not a config instruction: " + instruction.source());
    }

    private static Long nanos(String text, String option, int line) {
        if (text == null) {
            return null;
        }
        try {
            return GoDuration.parse(text).toNanos();
        } catch (RuntimeException e) {
            throw new BuildException("Dockerfile:" + line + ": HEALTHCHECK " + option + ": invalid duration \"" + text + "\"");
        }
    }

    private static Integer retries(String text, int line) {
        if (text == null) {
            return null;
        }
        try {
            return Integer.valueOf(text);
        } catch (NumberFormatException e) {
            throw new BuildException("Dockerfile:" + line + ": HEALTHCHECK --retries must be a number, not \"" + text + "\"");
        }
    }

    private static boolean stageSetsCmdBefore(Stage stage, Instruction entrypoint) {
        for (Instruction i : stage.instructions()) {
            if (i == entrypoint) {
                return false;
            }
            if (i instanceof Instruction.Cmd) {
                return true;
            }
        }
        return false;
    }

    private static String envText(Instruction.Env env, StageState state) {
        List<String> parts = new ArrayList<>();
        Map<String, String> current = state.config.envMap();
        for (KeyValue pair : env.pairs()) {
            String key = ShellWords.word(pair.key(), state.lookup(), state.escape);
            parts.add(key + "=" + current.get(key));
        }
        return String.join(" ", parts);
    }

    /** CMD/ENTRYPOINT: exec form as written, shell form wrapped in the current SHELL (never expanded by us). */
    private static List<String> commandArgs(Command command, StageState state) {
        if (!command.shellForm()) {
            return List.copyOf(command.args());
        }
        List<String> args = new ArrayList<>(state.config.shell());
        args.add(command.args().getFirst());
        return args;
    }
}
