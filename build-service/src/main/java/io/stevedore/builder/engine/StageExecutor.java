package io.stevedore.builder.engine;

import io.stevedore.builder.dockerfile.ArgDeclaration;
import io.stevedore.builder.dockerfile.Command;
import io.stevedore.builder.dockerfile.Dockerfile;
import io.stevedore.builder.dockerfile.Instruction;
import io.stevedore.builder.dockerfile.KeyValue;
import io.stevedore.builder.dockerfile.ShellWords;
import io.stevedore.builder.dockerfile.Stage;
import io.stevedore.builder.host.HostPlatform;
import io.stevedore.client.ImageReference;
import io.stevedore.oci.Digest;
import io.stevedore.oci.Platform;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Runs the stages of one Dockerfile for one platform. Stages are built on demand (the target
 * first asks for what it depends on), so stages the target does not need never run. Metadata
 * instructions change the config; RUN, COPY and ADD go through the cache and, on a miss, through
 * an overlay mount of the stage's layers (see {@link LayerSteps}).
 */
final class StageExecutor {
    private final BuildSession session;
    private final Platform platform;
    private final Map<String, String> globalArgs;
    private final Map<Integer, StageResult> built = new HashMap<>();
    private final Set<Integer> building = new HashSet<>();
    private final LayerSteps layerSteps;

    /** A finished stage: its config and layers, and the cache key naming its filesystem. */
    record StageResult(Stage stage, ImageConfig config, List<LayerRef> layers, Digest cacheKey, Instant lastTime) {}

    StageExecutor(BuildSession session, Platform platform) {
        this.session = session;
        this.platform = platform;
        this.globalArgs = globalArgs();
        this.layerSteps = new LayerSteps(session, this);
    }

    /** The predefined platform ARGs plus the ARGs declared before the first FROM. */
    private Map<String, String> globalArgs() {
        Map<String, String> args = new HashMap<>(platformArgs());
        for (Instruction.Arg arg : session.dockerfile.globalArgs()) {
            for (ArgDeclaration declaration : arg.declarations()) {
                args.put(declaration.name(), argValue(declaration, args::get, args));
            }
        }
        return args;
    }

    private Map<String, String> platformArgs() {
        Platform build = HostPlatform.current();
        Map<String, String> args = new HashMap<>();
        args.put("TARGETPLATFORM", platform.toString());
        args.put("TARGETOS", platform.os());
        args.put("TARGETARCH", platform.architecture());
        args.put("TARGETVARIANT", platform.variant() == null ? "" : platform.variant());
        args.put("BUILDPLATFORM", build.toString());
        args.put("BUILDOS", build.os());
        args.put("BUILDARCH", build.architecture());
        args.put("BUILDVARIANT", build.variant() == null ? "" : build.variant());
        return args;
    }

    /** A declared ARG's value: the build arg when given, else its default expanded, else inherited. */
    private String argValue(ArgDeclaration declaration, Function<String, String> lookup, Map<String, String> inherited) {
        String name = declaration.name();
        if (session.request.buildArgs().containsKey(name)) {
            session.usedBuildArgs.add(name);
            String value = session.request.buildArgs().get(name);
            return value != null ? value : inherited.get(name);   // `--build-arg NAME` with NAME unset in the environment
        }
        if (declaration.defaultValue() != null) {
            return ShellWords.word(declaration.defaultValue(), lookup, escape());
        }
        return inherited.get(name);
    }

    char escape() {
        String escape = session.dockerfile.directives().get("escape");
        return escape != null && escape.equals("`") ? '`' : '\\';
    }

    StageResult target() {
        Dockerfile dockerfile = session.dockerfile;
        Stage target;
        if (session.request.target() != null) {
            target = dockerfile.stage(session.request.target())
                    .orElseThrow(() -> new BuildException("target stage \"" + session.request.target() + "\" could not be found"));
        } else {
            target = dockerfile.stages().getLast();
        }
        return stage(target);
    }

    /** A stage referred to by `FROM name`, `COPY --from=name|index` or `--mount from=`; null when it names no stage. */
    StageResult stageNamed(String nameOrIndex, int beforeIndex) {
        Optional<Stage> stage = session.dockerfile.stage(nameOrIndex);
        if (stage.isEmpty()) {
            return null;
        }
        if (stage.get().index() >= beforeIndex) {
            throw new BuildException("stage \"" + nameOrIndex + "\" is not defined before the stage that uses it");
        }
        return stage(stage.get());
    }

    StageResult stage(Stage stage) {
        StageResult done = built.get(stage.index());
        if (done != null) {
            return done;
        }
        if (!building.add(stage.index())) {
            throw new BuildException("stage " + stage.index() + " depends on itself");
        }
        StageResult result = run(stage);
        built.put(stage.index(), result);
        building.remove(stage.index());
        return result;
    }

    private StageResult run(Stage stage) {
        int total = stage.instructions().size() + 1;
        String label = stage.name().map(n -> n + " ").orElse("stage-" + stage.index() + " ");
        Instruction.From from = stage.from();
        StageState state = from(stage, from, label, total);
        runOnBuildTriggers(state, stage, label);
        int position = 1;
        for (Instruction instruction : stage.instructions()) {
            position++;
            String title = "[" + label + position + "/" + total + "] " + instruction.source();
            execute(instruction, state, stage, title);
        }
        return new StageResult(stage, state.config, List.copyOf(state.layers), state.cacheKey, state.lastTime);
    }

    private StageState from(Stage stage, Instruction.From from, String label, int total) {
        String imageText = ShellWords.word(from.image(), globalArgs::get, escape());
        Platform stagePlatform = platform;
        if (from.platform() != null) {
            stagePlatform = Platform.parse(ShellWords.word(from.platform(), globalArgs::get, escape()));
        }
        Progress.Step step = session.progress.step("[" + label + "1/" + total + "] FROM " + imageText
                + (stagePlatform.equals(platform) ? "" : " (" + stagePlatform + ")"));
        StageState state;
        StageResult previous = imageText.equalsIgnoreCase("scratch") ? null : stageNamed(imageText, stage.index());
        if (previous != null) {
            state = new StageState(stagePlatform, previous.config().copy(), previous.layers(), previous.cacheKey(),
                    previous.lastTime(), escape());
        } else if (imageText.equalsIgnoreCase("scratch")) {
            Instant epoch = session.request.sourceDateEpoch() != null ? session.request.sourceDateEpoch() : Instant.EPOCH;
            state = new StageState(stagePlatform, ImageConfig.scratch(stagePlatform), List.of(),
                    CacheKeys.base("scratch", stagePlatform.toString()), epoch, escape());
            state.config.setEnv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        } else {
            ImageReference reference = ImageReference.parse(imageText, session.defaultRegistry);
            BaseImages.BaseImage base = session.baseImages.resolve(reference, stagePlatform);
            step.line("resolved " + base.reference());
            Instant created = base.config().lastHistoryTime(Instant.EPOCH);
            state = new StageState(stagePlatform, base.config(), base.layers(),
                    CacheKeys.base(base.manifestDigest().toString(), stagePlatform.toString()), created, escape());
            state.config.platform(stagePlatform);
        }
        step.done();
        return state;
    }

    private void runOnBuildTriggers(StageState state, Stage stage, String label) {
        List<String> triggers = state.config.onBuild();
        if (triggers.isEmpty()) {
            return;
        }
        state.config.onBuild(List.of());
        for (String trigger : triggers) {
            Instruction instruction = Dockerfile.parseInstruction(trigger, stage.from().line());
            execute(instruction, state, stage, "[" + label + "ONBUILD] " + trigger);
        }
    }

    private void execute(Instruction instruction, StageState state, Stage stage, String title) {
        Function<String, String> lookup = state.lookup();
        char escape = state.escape;
        switch (instruction) {
            case Instruction.Run run -> layerSteps.run(run, state, stage, title);
            case Instruction.Copy copy -> layerSteps.copy(copy, state, stage, title);
            case Instruction.Add add -> layerSteps.add(add, state, stage, title);
            case Instruction.Env env -> {
                for (KeyValue pair : env.pairs()) {
                    String key = ShellWords.word(pair.key(), lookup, escape);
                    state.config.setEnv(key, ShellWords.word(pair.value(), lookup, escape));
                    lookup = state.lookup();
                }
                metadata(state, "ENV " + envText(env, state));
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
                metadata(state, "ARG " + String.join(" ", arg.declarations().stream()
                        .map(d -> state.args.containsKey(d.name()) ? d.name() + "=" + state.args.get(d.name()) : d.name()).toList()));
            }
            case Instruction.Label label -> {
                List<String> parts = new ArrayList<>();
                for (KeyValue pair : label.pairs()) {
                    String key = ShellWords.word(pair.key(), lookup, escape);
                    String value = ShellWords.word(pair.value(), lookup, escape);
                    state.config.label(key, value);
                    parts.add(key + "=" + value);
                }
                metadata(state, "LABEL " + String.join(" ", parts));
            }
            case Instruction.Workdir workdir -> {
                String path = ShellWords.word(workdir.path(), lookup, escape);
                String resolved = path.startsWith("/") ? path : join(state.config.workingDir(), path);
                state.config.workingDir(normalise(resolved));
                metadata(state, "WORKDIR " + state.config.workingDir());
            }
            case Instruction.User user -> {
                String value = ShellWords.word(user.user(), lookup, escape);
                state.config.user(value);
                metadata(state, "USER " + value);
            }
            case Instruction.Cmd cmd -> {
                state.config.cmd(commandArgs(cmd.command(), state));
                metadata(state, "CMD " + json(state.config.cmd()));
            }
            case Instruction.Entrypoint entrypoint -> {
                state.config.entrypoint(commandArgs(entrypoint.command(), state));
                // Docker: an ENTRYPOINT resets a CMD inherited from the base image.
                if (!stageSetsCmdBefore(stage, entrypoint)) {
                    state.config.cmd(null);
                }
                metadata(state, "ENTRYPOINT " + json(state.config.entrypoint()));
            }
            case Instruction.Shell shell -> {
                state.config.shell(shell.shell());
                metadata(state, "SHELL " + json(shell.shell()));
            }
            case Instruction.Expose expose -> {
                List<String> ports = new ArrayList<>();
                for (String raw : expose.ports()) {
                    for (String port : ShellWords.words(raw, lookup, escape)) {
                        String normalised = port.contains("/") ? port.toLowerCase(java.util.Locale.ROOT) : port + "/tcp";
                        state.config.exposePort(normalised);
                        ports.add(normalised);
                    }
                }
                metadata(state, "EXPOSE map[" + String.join(" ", ports.stream().map(p -> p + ":{}").toList()) + "]");
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
                metadata(state, "VOLUME " + json(paths));
            }
            case Instruction.StopSignal stopSignal -> {
                String signal = ShellWords.word(stopSignal.signal(), lookup, escape);
                state.config.stopSignal(signal);
                metadata(state, "STOPSIGNAL " + signal);
            }
            case Instruction.Healthcheck healthcheck -> {
                if (healthcheck.test() == null) {
                    state.config.healthcheck(null, null, null, null, null, null);
                    metadata(state, "HEALTHCHECK NONE");
                } else {
                    List<String> test = new ArrayList<>();
                    test.add(healthcheck.test().shellForm() ? "CMD-SHELL" : "CMD");
                    test.addAll(healthcheck.test().args());
                    state.config.healthcheck(test, nanos(healthcheck.interval(), "--interval", healthcheck.line()),
                            nanos(healthcheck.timeout(), "--timeout", healthcheck.line()),
                            nanos(healthcheck.startPeriod(), "--start-period", healthcheck.line()),
                            nanos(healthcheck.startInterval(), "--start-interval", healthcheck.line()),
                            retries(healthcheck.retries(), healthcheck.line()));
                    metadata(state, "HEALTHCHECK &{" + json(test) + "}");
                }
            }
            case Instruction.Onbuild onbuild -> {
                state.config.addOnBuild(onbuild.trigger());
                metadata(state, "ONBUILD " + onbuild.trigger());
            }
            case Instruction.Maintainer maintainer -> {
                state.config.author(maintainer.name());
                metadata(state, "MAINTAINER " + maintainer.name());
            }
            case Instruction.From ignored -> throw new BuildException("FROM inside a stage");
        }
        if (!(instruction instanceof Instruction.Run || instruction instanceof Instruction.Copy
                || instruction instanceof Instruction.Add)) {
            session.progress.step(title).done();
        }
    }

    private static Long nanos(String text, String option, int line) {
        if (text == null) {
            return null;
        }
        try {
            return io.stevedore.builder.dockerfile.GoDuration.parse(text).toNanos();
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

    private String envText(Instruction.Env env, StageState state) {
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

    private void metadata(StageState state, String createdBy) {
        state.config.addHistory(state.lastTime, createdBy, true, "buildkit.dockerfile.v0");
    }

    static String json(List<String> values) {
        return io.stevedore.json.Json.MAPPER.writeValueAsString(values);
    }

    static String join(String dir, String path) {
        return dir.endsWith("/") ? dir + path : dir + "/" + path;
    }

    /** Cleans an absolute path lexically (`.`, `..`, double slashes); never above `/`. */
    static String normalise(String path) {
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.removeLast();
                }
            } else {
                parts.add(part);
            }
        }
        return "/" + String.join("/", parts);
    }
}
