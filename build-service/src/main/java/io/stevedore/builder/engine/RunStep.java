package io.stevedore.builder.engine;

import io.stevedore.builder.dockerfile.Heredoc;
import io.stevedore.builder.dockerfile.Instruction;
import io.stevedore.builder.dockerfile.Mount;
import io.stevedore.builder.dockerfile.Stage;
import io.stevedore.builder.files.FileTrees;
import io.stevedore.builder.files.RootPaths;
import io.stevedore.builder.sandbox.BindMount;
import io.stevedore.builder.sandbox.RunSpec;
import io.stevedore.oci.Digest;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * RUN: the command runs in the sandbox on the overlay's merged view; secret, cache, bind and
 * tmpfs mounts are attached for this step only. The cache key covers argv, environment, user,
 * working dir, network and the mounts' identities - never secret values.
 */
final class RunStep {
    private static final Pattern LONE_HEREDOC = Pattern.compile("\\s*<<-?[\"']?[A-Za-z0-9_.-]+[\"']?\\s*");

    private final BuildSession session;
    private final StageExecutor stages;
    private final LayerSteps layerSteps;

    RunStep(BuildSession session, StageExecutor stages, LayerSteps layerSteps) {
        this.session = session;
        this.stages = stages;
        this.layerSteps = layerSteps;
    }

    void execute(Instruction.Run run, StageState state, Stage stage, String title) {
        if (run.security() != null && !run.security().equals("sandbox")) {
            throw new BuildException("Dockerfile:" + run.line() + ": RUN --security=" + run.security() + " is not allowed");
        }
        Progress.Step step = session.progress.step(title);
        Plan planned = plan(run, state, stage);
        List<String> argv = planned.argv();
        List<String> env = planned.env();
        boolean network = planned.network();
        List<MountPlan> mounts = planned.mounts();
        final String scriptText = planned.script();
        layerSteps.produce(state, planned.key(), planned.createdBy(), step, merged -> {
            List<BindMount> binds = new ArrayList<>();
            List<AutoCloseable> cleanups = new ArrayList<>();
            try {
                if (scriptText != null) {
                    Path file = session.layers.newScratchFile("script-");
                    Files.writeString(file, scriptText, StandardCharsets.UTF_8);
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r-xr-xr-x"));
                    cleanups.add(() -> Files.deleteIfExists(file));
                    binds.add(new BindMount(file, "/.stevedore-run-script", true));
                }
                List<String> stepEnv = new ArrayList<>(env);
                for (MountPlan plan : mounts) {
                    plan.attach(session, stages, layerSteps, binds, cleanups, stepEnv);
                }
                RunSpec spec = new RunSpec(merged, argv, stepEnv, state.config.workingDir(), state.config.user(), network,
                        session.request.stepTimeout(), session.request.stepMemoryBytes(), binds, state.platform,
                        step.output());
                int status;
                try (OutputStream ignored = spec.output()) {
                    status = session.sandbox.run(spec);
                }
                if (status != 0) {
                    throw new BuildException("process \"" + String.join(" ", argv) + "\" did not complete successfully: exit code: " + status);
                }
            } finally {
                for (int i = cleanups.size() - 1; i >= 0; i--) {
                    try {
                        cleanups.get(i).close();
                    } catch (Exception ignored) {
                        // best effort
                    }
                }
            }
        });
    }

    /** What a RUN step will run and its cache key, worked out before anything runs (or is found cached). */
    record Plan(List<String> argv, String script, List<String> env, boolean network, List<MountPlan> mounts, Digest key,
                String createdBy) {}

    /**
     * The step's argv (a lone {@code #!} heredoc runs as a script), environment, network and mounts,
     * and its cache key: the stage's key chained with argv, environment (which carries the stage's
     * ARGs), user, working dir, network, script and the mounts' identities - never secret values.
     */
    Plan plan(Instruction.Run run, StageState state, Stage stage) {
        List<Heredoc> heredocs = LayerSteps.heredocs(run.heredocs());
        String script = null;
        List<String> argv;
        if (!run.command().shellForm()) {
            argv = List.copyOf(run.command().args());
        } else {
            String text = run.command().args().getFirst();
            if (heredocs.size() == 1 && LONE_HEREDOC.matcher(text).matches() && heredocs.getFirst().content().startsWith("#!")) {
                script = heredocs.getFirst().content();   // run by its own interpreter, as BuildKit does
                argv = List.of("/.stevedore-run-script");
            } else {
                if (heredocs.size() == 1 && LONE_HEREDOC.matcher(text).matches()) {
                    text = heredocs.getFirst().content();
                } else if (!heredocs.isEmpty()) {
                    StringBuilder full = new StringBuilder(text);
                    for (Heredoc heredoc : heredocs) {
                        full.append('\n').append(heredoc.content());
                        if (!heredoc.content().endsWith("\n")) {
                            full.append('\n');
                        }
                        full.append(heredoc.name());
                    }
                    text = full.toString();
                }
                argv = new ArrayList<>(state.config.shell());
                argv.add(text);
            }
        }
        List<String> env = state.runEnvironment();
        boolean network = network(run);
        List<MountPlan> mounts = new ArrayList<>();
        for (Mount mount : run.mounts()) {
            mounts.add(MountPlan.of(mount, state, stage, run.line()));
        }
        List<String> keyParts = new ArrayList<>(List.of("RUN", StageExecutor.json(argv), StageExecutor.json(env),
                state.config.user(), state.config.workingDir(), String.valueOf(network), String.valueOf(script)));
        for (MountPlan plan : mounts) {
            keyParts.add(plan.identity(stages));
        }
        Digest key = CacheKeys.chain(state.cacheKey, keyParts.toArray(String[]::new));
        String createdBy = createdBy(run, state, argv);
        return new Plan(argv, script, env, network, mounts, key, createdBy);
    }

    private boolean network(Instruction.Run run) {
        if (run.network() == null) {
            return session.request.networkDefault();
        }
        return switch (run.network()) {
            case "none" -> false;
            case "default", "host" -> true;
            default -> throw new BuildException("Dockerfile:" + run.line() + ": unknown --network=" + run.network());
        };
    }

    /** BuildKit's history text: `RUN |2 A=1 B=2 /bin/sh -c ...` when build args are in play. */
    private static String createdBy(Instruction.Run run, StageState state, List<String> argv) {
        StringBuilder text = new StringBuilder("RUN ");
        if (!state.args.isEmpty()) {
            text.append('|').append(state.args.size());
            for (Map.Entry<String, String> arg : state.args.entrySet()) {
                text.append(' ').append(arg.getKey()).append('=').append(arg.getValue());
            }
            text.append(' ');
        }
        for (Mount mount : run.mounts()) {
            // type and target only: a mount's options never carry secret values, but keep history terse
            String target = mount.options().getOrDefault("target", mount.options().getOrDefault("dst", ""));
            text.append("--mount=type=").append(mount.type() == null ? "bind" : mount.type())
                    .append(target.isEmpty() ? "" : ",target=" + target).append(' ');
        }
        text.append(String.join(" ", argv)).append(" # buildkit");
        return text.toString();
    }

    /** One `--mount` of a RUN step. */
    private record MountPlan(String type, Map<String, String> options, String target, StageState state, Stage stage,
                             int line) {
        static MountPlan of(Mount mount, StageState state, Stage stage, int line) {
            Map<String, String> options = mount.options();
            String type = mount.type() == null ? "bind" : mount.type();
            String target = first(options, "target", "dst", "destination");
            if (type.equals("secret")) {
                String id = options.get("id");
                if (target == null) {
                    if (id == null) {
                        throw new BuildException("Dockerfile:" + line + ": secret mount needs id or target");
                    }
                    target = "/run/secrets/" + id;
                }
            }
            if (target == null) {
                throw new BuildException("Dockerfile:" + line + ": --mount=type=" + type + " needs a target");
            }
            if (!target.startsWith("/")) {
                target = StageExecutor.join(state.config.workingDir(), target);
            }
            return new MountPlan(type, options, StageExecutor.normalise(target), state, stage, line);
        }

        String identity(StageExecutor stages) {
            return switch (type) {
                case "secret" -> "secret " + secretId() + " " + target;     // never the value
                case "cache" -> "cache " + target;                            // a cache mount's content is not an input
                case "tmpfs" -> "tmpfs " + target;
                case "bind" -> {
                    String from = options.get("from");
                    String source = options.getOrDefault("source", options.getOrDefault("src", "."));
                    if (from == null) {
                        yield "bind context " + source + " " + target;
                    }
                    StageExecutor.StageResult other = stages.stageNamed(from, stage.index());
                    yield "bind " + (other == null ? "image " + from : "stage " + other.cacheKey()) + " " + source + " " + target;
                }
                default -> throw new BuildException("Dockerfile:" + line + ": unsupported --mount type " + type);
            };
        }

        private String secretId() {
            String id = options.get("id");
            return id != null ? id : target.substring(target.lastIndexOf('/') + 1);
        }

        void attach(BuildSession session, StageExecutor stages, LayerSteps layerSteps, List<BindMount> binds,
                    List<AutoCloseable> cleanups, List<String> env) throws IOException {
            switch (type) {
                case "secret" -> {
                    Path file = session.secrets.file(secretId());
                    if (file == null) {
                        if (Boolean.parseBoolean(options.getOrDefault("required", "false"))) {
                            throw new BuildException("secret " + secretId() + " is required but was not given (--secret id=" + secretId() + ",src=...)");
                        }
                        return;
                    }
                    binds.add(new BindMount(file, target, true));
                    String envName = options.get("env");
                    if (envName != null) {
                        env.add(envName + "=" + Files.readString(file, StandardCharsets.UTF_8));
                    }
                }
                case "cache" -> {
                    String id = options.getOrDefault("id", target);
                    Path dir = session.workDir.resolve("cache-mounts").resolve(Digest.sha256(id.getBytes(StandardCharsets.UTF_8)).hex().substring(0, 24));
                    Files.createDirectories(dir);
                    binds.add(new BindMount(dir, target, false));
                }
                case "tmpfs" -> {
                    Path dir = session.layers.newScratchDir("tmpfs-");
                    cleanups.add(() -> FileTrees.deleteQuietly(dir));
                    binds.add(new BindMount(dir, target, false));
                }
                case "bind" -> {
                    String from = options.get("from");
                    String source = options.getOrDefault("source", options.getOrDefault("src", "."));
                    Path path;
                    if (from == null) {
                        List<Path> resolved = session.context.resolveSources(List.of(source));
                        if (resolved.size() != 1) {
                            throw new BuildException("Dockerfile:" + line + ": --mount source=" + source + " must name one path");
                        }
                        path = resolved.getFirst();
                    } else {
                        StageExecutor.StageResult other = stages.stageNamed(from, stage.index());
                        if (other == null) {
                            throw new BuildException("Dockerfile:" + line + ": --mount from=" + from + " must name an earlier stage");
                        }
                        Path root = layerSteps.mountReadOnly(other.layers(), cleanups);
                        path = RootPaths.resolve(root, source.startsWith("/") ? source : "/" + source);
                    }
                    // Always read-only: a `rw` bind must never write into the user's context or another stage.
                    binds.add(new BindMount(path, target, true));
                }
                default -> throw new BuildException("Dockerfile:" + line + ": unsupported --mount type " + type);
            }
        }

        private static String first(Map<String, String> options, String... names) {
            for (String name : names) {
                if (options.get(name) != null) {
                    return options.get(name);
                }
            }
            return null;
        }
    }
}
