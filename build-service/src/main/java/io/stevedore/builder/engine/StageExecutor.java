package io.stevedore.builder.engine;

import io.stevedore.builder.dockerfile.Dockerfile;
import io.stevedore.builder.dockerfile.Instruction;
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
    private final ConfigInstructions configInstructions;

    /** A finished stage: its config and layers, and the cache key naming its filesystem. */
    record StageResult(Stage stage, ImageConfig config, List<LayerRef> layers, Digest cacheKey, Instant lastTime) {}

    StageExecutor(BuildSession session, Platform platform) {
        this.session = session;
        this.platform = platform;
        this.configInstructions = new ConfigInstructions(session.request.buildArgs(), session.usedBuildArgs, escape(),
                platformArgs(), session.dockerfile.globalArgs());
        this.globalArgs = configInstructions.globalArgs();
        this.layerSteps = new LayerSteps(session, this);
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

    LayerSteps layerSteps() {
        return layerSteps;
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
        StageState state = runUpTo(stage, stage.instructions().size());
        return new StageResult(stage, state.config, List.copyOf(state.layers), state.cacheKey, state.lastTime);
    }

    /** The state {@code stage}'s FROM, its base's ONBUILD triggers and its first {@code count} instructions leave. */
    StageState runUpTo(Stage stage, int count) {
        int total = stage.instructions().size() + 1;
        String label = stage.name().map(n -> n + " ").orElse("stage-" + stage.index() + " ");
        StageState state = from(stage, stage.from(), label, total);
        runOnBuildTriggers(state, stage, label);
        for (int i = 0; i < count; i++) {
            Instruction instruction = stage.instructions().get(i);
            String title = "[" + label + (i + 2) + "/" + total + "] " + instruction.source();
            execute(instruction, state, stage, title);
        }
        return state;
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

    /** RUN, COPY and ADD make layers (see {@link LayerSteps}); every other instruction only changes the config. */
    private void execute(Instruction instruction, StageState state, Stage stage, String title) {
        switch (instruction) {
            case Instruction.Run run -> layerSteps.run(run, state, stage, title);
            case Instruction.Copy copy -> layerSteps.copy(copy, state, stage, title);
            case Instruction.Add add -> layerSteps.add(add, state, stage, title);
            case Instruction.From ignored -> throw new BuildException("FROM inside a stage");
            default -> {
                configInstructions.apply(instruction, state, stage);
                session.progress.step(title).done();
            }
        }
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
