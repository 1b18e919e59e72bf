package io.stevedore.builder.worker;

import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** `java -jar build-service.jar worker ...`: parses the options and runs the {@link Worker}. */
public final class WorkerCommand {
    public static final String USAGE = """
            usage: java -jar build-service.jar worker --registry URL [OPTIONS]

                  --registry URL            the registry to take builds from, e.g. http://127.0.0.1:5000
                  --token TOKEN             worker token (registry.builds.worker-token); better: $STEVEDORE_WORKER_TOKEN
                  --name NAME               how the registry names this worker (default: the host name)
                  --work-dir PATH           layer store and cache, kept between builds (default: as for build)
                  --builds N                builds run at the same time (default 1)
                  --default-registry HOST   where short names such as "busybox" come from (default docker.io)
                  --git-protocols LIST      git transports builds may use, colon-separated (default https:http:ssh:git;
                                            add file only where builds may read this machine's repositories)""";

    private WorkerCommand() {}

    /** The exit status: 2 for a usage error, 1 when the registry refuses the token. */
    public static int run(String[] args, Map<String, String> environment, Path defaultWorkDir, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args, environment, defaultWorkDir);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage() + "\n\n" + USAGE);
            return 2;
        }
        try {
            String parent = environment.get(ParentWatch.ENVIRONMENT);
            ParentWatch.whenGone(parent, () -> {
                err.println(Instant.now() + " the registry that started this worker (pid " + parent.strip()
                        + ") is gone; exiting");
                System.exit(0);
            });
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        WorkerSettings settings = new WorkerSettings(options.registry, options.workDir, options.defaultRegistry,
                options.gitProtocols);
        WorkerApi api = new WorkerApi(options.registry, options.token, http);
        try {
            return new Worker(api, settings, options.name, options.builds,
                    line -> err.println(Instant.now() + " " + line)).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /** The parsed command line. */
    record Options(URI registry, String token, String name, Path workDir, int builds, String defaultRegistry,
                   String gitProtocols) {

        static Options parse(String[] args, Map<String, String> environment, Path defaultWorkDir) {
            String registry = null;
            String token = environment.get("STEVEDORE_WORKER_TOKEN");
            String name = null;
            Path workDir = defaultWorkDir;
            int builds = 1;
            String defaultRegistry = "docker.io";
            String gitProtocols = GitCheckout.NETWORK_PROTOCOLS;
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                String value;
                int eq = option.indexOf('=');
                if (option.startsWith("--") && eq > 0) {
                    value = option.substring(eq + 1);
                    option = option.substring(0, eq);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new IllegalArgumentException("option " + option + " needs a value");
                }
                switch (option) {
                    case "--registry" -> registry = value;
                    case "--token" -> token = value;
                    case "--name" -> name = value;
                    case "--work-dir" -> workDir = Path.of(value).toAbsolutePath();
                    case "--builds" -> builds = positive(value);
                    case "--default-registry" -> defaultRegistry = value;
                    case "--git-protocols" -> gitProtocols = protocols(value);
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            if (registry == null) {
                throw new IllegalArgumentException("--registry URL is required");
            }
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("a worker token is required: --token or $STEVEDORE_WORKER_TOKEN");
            }
            return new Options(registryUri(registry), token.strip(), name != null ? name : hostName(), workDir, builds,
                    defaultRegistry, gitProtocols);
        }

        private static URI registryUri(String text) {
            try {
                URI uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
                if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                    throw new IllegalArgumentException("--registry must be an http:// or https:// URL: " + text);
                }
                return uri;
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("--registry is not a URL: " + text);
            }
        }

        /** GIT_ALLOW_PROTOCOL's form; ext (runs any command) is never allowed. */
        private static String protocols(String text) {
            if (!text.matches("[a-z0-9+]+(:[a-z0-9+]+)*") || List.of(text.split(":")).contains("ext")) {
                throw new IllegalArgumentException("--git-protocols takes transports such as https:ssh:file, never ext: "
                        + text);
            }
            return text;
        }

        private static int positive(String text) {
            try {
                int value = Integer.parseInt(text.trim());
                if (value > 0) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new IllegalArgumentException("--builds must be a positive number: " + text);
        }

        private static String hostName() {
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                return "worker-" + ProcessHandle.current().pid();
            }
        }
    }
}
