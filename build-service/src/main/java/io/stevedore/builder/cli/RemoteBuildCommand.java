package io.stevedore.builder.cli;

import io.stevedore.client.DockerConfig;
import io.stevedore.client.RegistryCredentials;
import io.stevedore.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * `build --remote URL ...`: packs the context, uploads it, submits the build to the registry,
 * follows its log and exits like a local build (digest on stdout; 1 on failure; 130 when
 * cancelled). Ctrl-C cancels the remote build. Loads no engine class, so it starts fast.
 */
final class RemoteBuildCommand {
    private static final Duration CANCEL_WAIT = Duration.ofSeconds(5);

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> environment;
    private final Path workingDirectory;
    private final CountDownLatch ended = new CountDownLatch(1);

    RemoteBuildCommand(PrintStream out, PrintStream err, Map<String, String> environment, Path workingDirectory) {
        this.out = out;
        this.err = err;
        this.environment = Map.copyOf(environment);
        this.workingDirectory = workingDirectory;
    }

    /** Whether `build` arguments ask for a remote build. */
    static boolean isRemote(String[] args) {
        for (String arg : args) {
            if (arg.equals("--remote") || arg.startsWith("--remote=")) {
                return true;
            }
        }
        return false;
    }

    int run(String[] args) {
        RemoteBuildOptions options;
        Map<String, String> secrets;
        try {
            options = RemoteBuildOptions.parse(args, environment, workingDirectory);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage() + "\n\n" + BuildCommand.USAGE);
            return 2;
        }
        try {
            // refused before anything is uploaded
            if (!options.secrets().isEmpty() && !options.remote().safeForSecrets()) {
                throw new IllegalArgumentException("--secret needs an https:// registry (or one on this machine's "
                        + "loopback address): " + options.remote().url() + " would carry the secret in clear text");
            }
            secrets = readSecrets(options);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        // shut down when done: a JVM exiting with the client's selector thread still in native code
        // waits ~300 ms for it, which a warm remote build would feel
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        try (http) {
            BuildsApi api = api(options, http);
            return build(api, options, secrets);
        } catch (RemoteBuildException | UncheckedIOException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("error: cannot reach " + options.remote().url() + ": "
                    + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    private int build(BuildsApi api, RemoteBuildOptions options, Map<String, String> secrets)
            throws IOException, InterruptedException {
        ContextArchive archive = new ContextArchive(options.context(), options.dockerfile());
        if (!options.quiet()) {
            err.println("uploading context " + options.context() + " to " + options.remote().url());
        }
        String context = api.uploadContext(archive);
        long id = api.submit(submission(options, context, archive.dockerfileName(), secrets));
        if (!options.quiet()) {
            err.println("build " + id + " submitted: " + options.remote().url().resolve("/api/v1/builds/" + id));
        }
        Thread cancelOnInterrupt = new Thread(() -> cancel(api, id), "cancel-remote-build");
        Runtime.getRuntime().addShutdownHook(cancelOnInterrupt);
        JsonNode status;
        try {
            status = new LogFollower(after -> api.logs(id, after), err, Duration.ofMillis(500), options.quiet()).follow();
        } catch (InterruptedException e) {
            // run by the build daemon for a client that went away (Ctrl-C): the build goes with it
            Thread.interrupted();
            ended.countDown();
            Runtime.getRuntime().removeShutdownHook(cancelOnInterrupt);
            err.println("cancelling build " + id);
            api.cancel(id);
            return 130;
        } finally {
            ended.countDown();
        }
        Runtime.getRuntime().removeShutdownHook(cancelOnInterrupt);
        return report(status);
    }

    private int report(JsonNode status) {
        switch (status.path("status").asString()) {
            case "succeeded" -> {
                out.println(status.path("digest").asString());
                return 0;
            }
            case "cancelled" -> {
                err.println("build cancelled");
                return 130;
            }
            default -> {
                err.println("error: " + status.path("error").asString("the build " + status.path("status").asString()));
                return 1;
            }
        }
    }

    /** Ctrl-C: ask the registry to cancel, and give the log a moment to show the build ending. */
    private void cancel(BuildsApi api, long id) {
        if (ended.getCount() == 0) {
            return;
        }
        try {
            err.println("cancelling build " + id);
            api.cancel(id);
            ended.await(CANCEL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException | RuntimeException | InterruptedException e) {
            err.println("error: cannot cancel build " + id + ": " + e.getMessage());
        }
    }

    static ObjectNode submission(RemoteBuildOptions options, String context, String dockerfile, Map<String, String> secrets) {
        ObjectNode build = Json.MAPPER.createObjectNode();
        options.tags().forEach(build.putArray("tags")::add);
        build.put("context", context);
        build.put("dockerfile", dockerfile);
        ObjectNode buildArgs = build.putObject("buildArgs");
        options.buildArgs().forEach(buildArgs::put);
        if (options.target() != null) {
            build.put("target", options.target());
        }
        if (!options.platforms().isEmpty()) {
            options.platforms().forEach(build.putArray("platforms")::add);
        }
        build.put("noCache", options.noCache());
        ObjectNode labels = build.putObject("labels");
        options.labels().forEach(labels::put);
        ObjectNode secretValues = build.putObject("secrets");
        secrets.forEach(secretValues::put);
        return build;
    }

    /** Every `--secret`, read here and base64-encoded; the registry never sees a path or variable name. */
    private Map<String, String> readSecrets(RemoteBuildOptions options) {
        Map<String, String> values = new LinkedHashMap<>();
        for (SecretFlag secret : options.secrets().values()) {
            byte[] value;
            if (secret.file() != null) {
                try {
                    value = Files.readAllBytes(secret.file());
                } catch (IOException e) {
                    throw new IllegalArgumentException("secret " + secret.id() + ": cannot read " + secret.file());
                }
            } else {
                String text = environment.get(secret.environmentVariable());
                if (text == null) {
                    throw new IllegalArgumentException("secret " + secret.id() + ": environment variable "
                            + secret.environmentVariable() + " is not set");
                }
                value = text.getBytes(StandardCharsets.UTF_8);
            }
            values.put(secret.id(), Base64.getEncoder().encodeToString(value));
        }
        return values;
    }

    private BuildsApi api(RemoteBuildOptions options, HttpClient http) {
        if (options.registryUser() != null) {
            return new BuildsApi(options.remote(), options.registryUser(), options.registryPassword(), http);
        }
        Optional<RegistryCredentials> credentials = DockerConfig.load(CallerFiles.dockerConfig(environment, workingDirectory))
                .credentialsFor(options.remote().host());
        if (credentials.isPresent() && credentials.get().hasIdentityToken()) {
            throw new RemoteBuildException("the docker login for " + options.remote().host() + " holds an identity token,"
                    + " which the build API does not take: `docker login " + options.remote().host()
                    + "` with a password or access token, or pass --registry-user and --registry-password");
        }
        return credentials.map(c -> new BuildsApi(options.remote(), c.username(), c.secret(), http))
                .orElseGet(() -> new BuildsApi(options.remote(), null, null, http));
    }
}
