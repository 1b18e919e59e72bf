package io.stevedore.builder.cli;

import io.stevedore.builder.engine.BuildFailures;
import io.stevedore.builder.engine.BuildResult;
import io.stevedore.builder.engine.ImageBuilder;
import io.stevedore.builder.engine.Progress;
import io.stevedore.builder.engine.Registries;
import io.stevedore.builder.host.HostRequirements;
import io.stevedore.builder.sandbox.Binfmt;
import io.stevedore.client.DockerConfig;
import io.stevedore.client.RegistryCredentials;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

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
        BuildOptions options;
        try {
            options = BuildOptions.parse(args, environment, workingDirectory);
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
            ImageBuilder builder = new ImageBuilder(options.workDir, registries, options.defaultRegistry).keepingContextHashes();
            BuildResult result = builder.build(options.request(), progress, environment::get);
            out.println(result.digest());
            return 0;
        } catch (RuntimeException e) {
            err.println("error: " + BuildFailures.message(e));
            return 1;
        }
    }
}
