package io.stevedore.builder.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The shape of `build`'s command line, the same for local and remote builds: `--name=value` or
 * `--name value`, the flags `--no-cache` and `-q`/`--quiet`, and one CONTEXT directory.
 */
final class BuildArguments {
    private BuildArguments() {}

    /** Receives each option as it is read (a flag with a null value); throws IllegalArgumentException for one it does not know. */
    interface Receiver {
        void option(String name, String value);
    }

    /** Feeds every option to {@code receiver}; the CONTEXT directory. */
    static Path parse(String[] args, Path cwd, Receiver receiver) {
        Path context = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            if (arg.startsWith("--") && arg.contains("=")) {
                name = arg.substring(0, arg.indexOf('='));
                value = arg.substring(arg.indexOf('=') + 1);
            }
            if (!name.startsWith("-") || name.equals("-")) {
                if (context != null) {
                    throw new IllegalArgumentException("more than one CONTEXT: " + context + " and " + arg);
                }
                context = cwd.resolve(arg);
                continue;
            }
            switch (name) {
                case "--no-cache", "-q", "--quiet" -> receiver.option(name, null);
                default -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException("option " + name + " needs a value");
                        }
                        value = args[++i];
                    }
                    receiver.option(name, value);
                }
            }
        }
        if (context == null) {
            throw new IllegalArgumentException("CONTEXT is required (a directory)");
        }
        if (!Files.isDirectory(context)) {
            throw new IllegalArgumentException("context " + context + " is not a directory");
        }
        return context;
    }

    /** `--label KEY=VALUE` (no '=': an empty value). */
    static Map.Entry<String, String> label(String value) {
        int eq = value.indexOf('=');
        return Map.entry(eq < 0 ? value : value.substring(0, eq), eq < 0 ? "" : value.substring(eq + 1));
    }

    /** `--progress plain|quiet`: whether progress is quiet. */
    static boolean quietProgress(String value) {
        return switch (value) {
            case "plain", "auto", "tty" -> false;
            case "quiet" -> true;
            default -> throw new IllegalArgumentException("--progress must be plain or quiet");
        };
    }
}
