package io.stevedore.builder.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The `build --remote URL` command line: the options a remote build can honour, spelled as for a
 * local build. Options that only mean something on this machine (work dir, cache repository,
 * network, limits) are refused rather than silently dropped.
 */
record RemoteBuildOptions(RemoteTarget remote, List<String> tags, Path context, Path dockerfile,
                          Map<String, String> buildArgs, String target, List<String> platforms,
                          Map<String, SecretFlag> secrets, boolean noCache, Map<String, String> labels,
                          String registryUser, String registryPassword, boolean quiet) {

    private static final Set<String> LOCAL_ONLY = Set.of("--network", "--cache-repo", "--insecure-registry",
            "--default-registry", "--source-date-epoch", "--step-timeout", "--memory", "-m", "--work-dir");

    static RemoteBuildOptions parse(String[] args, Map<String, String> environment, Path cwd) {
        Builder b = new Builder();
        b.context = BuildArguments.parse(args, cwd, (name, value) -> b.option(name, value, environment, cwd));
        return b.build();
    }

    private static final class Builder {
        final List<String> rawTags = new ArrayList<>();
        final Map<String, String> buildArgs = new LinkedHashMap<>();
        final Map<String, SecretFlag> secrets = new LinkedHashMap<>();
        final Map<String, String> labels = new LinkedHashMap<>();
        final List<String> platforms = new ArrayList<>();
        RemoteTarget remote;
        Path context;
        Path dockerfile;
        String target;
        boolean noCache;
        boolean quiet;
        String registryUser;
        String registryPassword;

        void option(String name, String value, Map<String, String> environment, Path cwd) {
            if (LOCAL_ONLY.contains(name)) {
                throw new IllegalArgumentException(name + " applies to local builds only, not with --remote");
            }
            switch (name) {
                case "--no-cache" -> noCache = true;
                case "-q", "--quiet" -> quiet = true;
                case "--remote" -> remote = RemoteTarget.parse(value);
                case "-t", "--tag" -> rawTags.add(value);
                case "-f", "--file" -> dockerfile = cwd.resolve(value);
                case "--build-arg" -> {
                    int eq = value.indexOf('=');
                    String key = eq < 0 ? value : value.substring(0, eq);
                    String argument = eq < 0 ? environment.get(value) : value.substring(eq + 1);
                    if (argument != null) {   // `--build-arg NAME` with NAME unset: as if not given, like docker
                        buildArgs.put(key, argument);
                    }
                }
                case "--target" -> target = value;
                case "--platform" -> {
                    for (String platform : value.split(",")) {
                        if (!platform.isBlank()) {
                            platforms.add(platform.strip());
                        }
                    }
                }
                case "--secret" -> {
                    SecretFlag secret = SecretFlag.parse(value, cwd);
                    secrets.put(secret.id(), secret);
                }
                case "--label" -> {
                    Map.Entry<String, String> label = BuildArguments.label(value);
                    labels.put(label.getKey(), label.getValue());
                }
                case "--progress" -> quiet = BuildArguments.quietProgress(value);
                case "--registry-user" -> registryUser = value;
                case "--registry-password" -> registryPassword = value;
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }

        RemoteBuildOptions build() {
            if (remote == null) {
                throw new IllegalArgumentException("--remote URL is required");
            }
            if (dockerfile == null) {
                dockerfile = context.resolve("Dockerfile");
            }
            if (!Files.isRegularFile(dockerfile)) {
                throw new IllegalArgumentException("Dockerfile " + dockerfile + " not found");
            }
            if (registryUser != null && registryPassword == null) {
                throw new IllegalArgumentException("--registry-user needs --registry-password");
            }
            List<String> tags = new ArrayList<>();
            for (String tag : rawTags) {
                tags.add(remote.repositoryTag(tag));
            }
            if (tags.isEmpty()) {
                throw new IllegalArgumentException("at least one -t REPOSITORY:TAG is required (the result is pushed there)");
            }
            return new RemoteBuildOptions(remote, List.copyOf(tags), context, dockerfile, buildArgs, target,
                    List.copyOf(platforms), secrets, noCache, labels, registryUser, registryPassword, quiet);
        }
    }
}
