package io.stevedore.builder.cli;

import io.stevedore.builder.engine.BuildRequest;
import io.stevedore.builder.host.HostPlatform;
import io.stevedore.client.ImageReference;
import io.stevedore.oci.Platform;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The parsed command line of a local build (`build` without --remote): its options with their defaults, and the BuildRequest they make. */
final class BuildOptions {
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

    static BuildOptions parse(String[] args, Map<String, String> environment, Path cwd) {
        BuildOptions o = new BuildOptions();
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
