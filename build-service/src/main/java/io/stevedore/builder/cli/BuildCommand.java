package io.stevedore.builder.cli;

import io.stevedore.builder.engine.BuildFailures;
import io.stevedore.builder.engine.BuildRequest;
import io.stevedore.builder.engine.BuildResult;
import io.stevedore.builder.engine.ImageBuilder;
import io.stevedore.builder.engine.Progress;
import io.stevedore.builder.engine.Registries;
import io.stevedore.builder.host.HostPlatform;
import io.stevedore.builder.host.HostRequirements;
import io.stevedore.builder.sandbox.Binfmt;
import io.stevedore.client.DockerConfig;
import io.stevedore.client.ImageReference;
import io.stevedore.client.RegistryCredentials;
import io.stevedore.oci.Platform;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Parses `build` options (as `docker build` spells them), runs the engine, prints the digest. */
final class BuildCommand {
    static final String USAGE = """
            usage: java -jar build-service.jar build [OPTIONS] CONTEXT
                   java -jar build-service.jar build --remote URL -t REPO:TAG [OPTIONS] CONTEXT

              -t, --tag REGISTRY/REPO:TAG   push the result under this name (repeatable, at least one)
              -f, --file PATH               Dockerfile (default: CONTEXT/Dockerfile)
                  --build-arg KEY[=VALUE]   build-time variable (no value: taken from the environment)
                  --target STAGE            build this stage instead of the last one
                  --platform P1[,P2...]     target platforms, e.g. linux/amd64,linux/arm64 (several give an index)
                  --secret id=ID[,src=PATH|,env=VAR]
                                            secret for RUN --mount=type=secret (never stored in the image)
                  --no-cache                run every step (results still refresh the cache)
                  --label KEY=VALUE         add a label to the image
                  --progress plain|quiet    step-by-step progress on stderr (default plain)
                  --network default|none    network for RUN steps without --network (default: default)
                  --cache-repo REGISTRY/REPO
                                            where cache entries live (default: first tag's repository + /buildcache)
                  --insecure-registry HOST  talk plain HTTP to HOST (localhost and 127.0.0.0/8 always do)
                  --registry-user USER --registry-password PASSWORD
                                            credentials for the first tag's registry (default: ~/.docker/config.json)
                  --default-registry HOST   where short names such as "busybox" come from (default docker.io)
                  --source-date-epoch SECONDS
                                            fixed timestamps in layers and history (also $SOURCE_DATE_EPOCH)
                  --step-timeout DURATION   limit per RUN step, e.g. 30m (default 1h)
                  --memory BYTES[k|m|g]     memory limit per RUN step
                  --work-dir PATH           layer store and cache (default $STEVEDORE_BUILD_DIR or ~/.cache/stevedore-build)

            Remote builds (the registry queues the build and one of its workers runs it):
                  --remote URL              submit to the registry at URL, e.g. https://registry.example.com;
                                            tags are REPO:TAG in that registry; -f, --build-arg, --target,
                                            --platform, --secret (https or loopback only), --no-cache, --label,
                                            --progress and --registry-user/--registry-password apply.
                                            Ctrl-C cancels the build; exit status 130 when it was cancelled.

            The pushed digest is printed on stdout; the exit status is non-zero on failure.""";

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> environment;
    private final Path workingDirectory;
    private final HostRequirements hostRequirements;

    /** The environment and working directory are the caller's: this JVM's, or a daemon client's. */
    BuildCommand(PrintStream out, PrintStream err, Map<String, String> environment, Path workingDirectory) {
        this(out, err, environment, workingDirectory, HostRequirements.ofThisHost(Binfmt::runnable));
    }

    /**
     * {@code hostRequirements} checks the machine the build runs on: this process's, which in
     * daemon mode is the daemon's (its PATH and privileges start the tools), not the client's.
     */
    BuildCommand(PrintStream out, PrintStream err, Map<String, String> environment, Path workingDirectory,
                 HostRequirements hostRequirements) {
        this.out = out;
        this.err = err;
        this.environment = Map.copyOf(environment);
        this.workingDirectory = workingDirectory;
        this.hostRequirements = hostRequirements;
    }

    int run(String[] args) {
        Options options;
        try {
            options = Options.parse(args, environment, workingDirectory);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage() + "\n\n" + USAGE);
            return 2;
        }
        // One line before any work, even with --progress quiet: a missing tool otherwise shows only
        // as a failed step (or a failed build) minutes later.
        HostRequirements.warning(hostRequirements.missingFor(options.platforms)).ifPresent(err::println);
        Progress progress = new Progress(err, options.quiet);
        Map<String, RegistryCredentials> credentials = new HashMap<>();
        if (options.registryUser != null) {
            credentials.put(options.tags.getFirst().registry(),
                    RegistryCredentials.basic(options.registryUser, options.registryPassword));
        }
        try (Registries registries = new Registries(DockerConfig.load(CallerFiles.dockerConfig(environment, workingDirectory)), credentials, options.insecure)) {
            ImageBuilder builder = new ImageBuilder(options.workDir, registries, options.defaultRegistry);
            BuildResult result = builder.build(options.request(), progress, environment::get);
            out.println(result.digest());
            return 0;
        } catch (RuntimeException e) {
            err.println("error: " + BuildFailures.message(e));
            return 1;
        }
    }

    /** The parsed command line. */
    static final class Options {
        final List<ImageReference> tags = new ArrayList<>();
        final Map<String, String> buildArgs = new LinkedHashMap<>();
        final Map<String, BuildRequest.SecretSource> secrets = new LinkedHashMap<>();
        final Map<String, String> labels = new LinkedHashMap<>();
        final Set<String> insecure = new HashSet<>();
        List<Platform> platforms;
        Path context;
        Path dockerfile;
        String target;
        boolean noCache;
        boolean quiet;
        boolean network = true;
        String cacheRepo;
        String registryUser;
        String registryPassword;
        String defaultRegistry = ImageReference.DOCKER_HUB;
        Instant sourceDateEpoch;
        Duration stepTimeout = Duration.ofHours(1);
        long memory;
        Path workDir;
        private final List<String> rawTags = new ArrayList<>();
        private Map<String, String> environment;
        private Path cwd;

        /** $STEVEDORE_BUILD_DIR, else ~/.cache/stevedore-build. */
        static Path defaultWorkDir(Map<String, String> environment, Path cwd) {
            String env = environment.get("STEVEDORE_BUILD_DIR");
            return env != null && !env.isBlank() ? cwd.resolve(env) : CallerFiles.home(environment).resolve(".cache").resolve("stevedore-build");
        }

        static Options parse(String[] args, Map<String, String> environment, Path cwd) {
            Options o = new Options();
            o.environment = environment;
            o.cwd = cwd;
            o.context = BuildArguments.parse(args, cwd, o::option);
            for (String tag : o.rawTags) {
                o.tags.add(ImageReference.parse(tag, o.defaultRegistry));
            }
            if (o.tags.isEmpty()) {
                throw new IllegalArgumentException("at least one -t REGISTRY/REPOSITORY:TAG is required (the result is pushed there)");
            }
            if (o.dockerfile == null) {
                o.dockerfile = o.context.resolve("Dockerfile");
            }
            if (o.platforms == null) {
                o.platforms = List.of(HostPlatform.current());
            }
            if (o.sourceDateEpoch == null && environment.get("SOURCE_DATE_EPOCH") != null) {
                o.sourceDateEpoch = epoch(environment.get("SOURCE_DATE_EPOCH"));
            }
            if (o.workDir == null) {
                o.workDir = defaultWorkDir(environment, cwd);
            }
            return o;
        }

        private void option(String name, String value) {
            switch (name) {
                case "--no-cache" -> noCache = true;
                case "-q", "--quiet" -> quiet = true;
                case "-t", "--tag" -> rawTags.add(value);
                case "-f", "--file" -> dockerfile = cwd.resolve(value);
                case "--build-arg" -> {
                    int eq = value.indexOf('=');
                    if (eq < 0) {
                        buildArgs.put(value, environment.get(value));
                    } else {
                        buildArgs.put(value.substring(0, eq), value.substring(eq + 1));
                    }
                }
                case "--target" -> target = value;
                case "--platform" -> platforms = Platform.parseList(value);
                case "--secret" -> secret(value);
                case "--label" -> {
                    Map.Entry<String, String> label = BuildArguments.label(value);
                    labels.put(label.getKey(), label.getValue());
                }
                case "--progress" -> quiet = BuildArguments.quietProgress(value);
                case "--network" -> {
                    switch (value) {
                        case "default", "host" -> network = true;
                        case "none" -> network = false;
                        default -> throw new IllegalArgumentException("--network must be default, host or none");
                    }
                }
                case "--cache-repo" -> cacheRepo = value;
                case "--insecure-registry" -> insecure.add(value);
                case "--registry-user" -> registryUser = value;
                case "--registry-password" -> registryPassword = value;
                case "--default-registry" -> defaultRegistry = value;
                case "--source-date-epoch" -> sourceDateEpoch = epoch(value);
                case "--step-timeout" -> stepTimeout = duration(value);
                case "--memory", "-m" -> memory = bytes(value);
                case "--work-dir" -> workDir = cwd.resolve(value);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }

        private void secret(String value) {
            SecretFlag flag = SecretFlag.parse(value, cwd);
            secrets.put(flag.id(), flag.file() != null ? BuildRequest.SecretSource.file(flag.file())
                    : BuildRequest.SecretSource.env(flag.environmentVariable()));
        }

        BuildRequest request() {
            ImageReference cache = cacheRepo == null ? null : ImageReference.parse(cacheRepo, defaultRegistry);
            return new BuildRequest(context, dockerfile, tags, buildArgs, target, platforms, secrets, noCache, labels, cache,
                    sourceDateEpoch, network, stepTimeout, memory);
        }

        private static Instant epoch(String value) {
            try {
                return Instant.ofEpochSecond(Long.parseLong(value.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("SOURCE_DATE_EPOCH must be seconds since 1970: " + value);
            }
        }

        private static Duration duration(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            try {
                if (v.endsWith("ms")) return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                if (v.endsWith("s")) return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
                if (v.endsWith("m")) return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
                if (v.endsWith("h")) return Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
                return Duration.ofSeconds(Long.parseLong(v));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid duration " + value + " (e.g. 90s, 30m, 1h)");
            }
        }

        private static long bytes(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            long factor = 1;
            if (v.endsWith("b")) v = v.substring(0, v.length() - 1);
            switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
                case 'k' -> factor = 1024L;
                case 'm' -> factor = 1024L * 1024;
                case 'g' -> factor = 1024L * 1024 * 1024;
                default -> factor = 1;
            }
            if (factor > 1) v = v.substring(0, v.length() - 1);
            try {
                return Long.parseLong(v) * factor;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid memory size " + value + " (e.g. 512m, 2g)");
            }
        }
    }
}
