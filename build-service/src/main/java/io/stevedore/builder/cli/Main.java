package io.stevedore.builder.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * `java -jar build-service.jar build ...`: the standalone builder, options spelled like `docker build`;
 * `worker ...`: a build worker that takes builds from a registry.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("build")) {
            // local and remote builds alike: the daemon's warm JVM, else a class-cached one
            // (a warm remote build would otherwise spend most of its time loading the HTTP client and JSON)
            java.util.Optional<Integer> status = DaemonClient.run(args);
            if (status.isEmpty()) {
                status = FastStart.relaunch();
            }
            if (status.isPresent()) {
                System.exit(status.get());
            }
        }
        if (args.length > 0 && args[0].equals("worker")) {
            System.exit(io.stevedore.builder.worker.WorkerCommand.run(Arrays.copyOfRange(args, 1, args.length),
                    System.getenv(), BuildOptions.defaultWorkDir(System.getenv(), Path.of("").toAbsolutePath()),
                    System.err));
        }
        if (args.length == 2 && args[0].equals("daemon")) {
            System.exit(daemon(args[1], System.err));
        }
        System.exit(run(args, System.out, System.err));
    }

    /**
     * `daemon stop` stops this user's daemon for this jar; `daemon /absolute/path.sock` is how the
     * CLI starts one (not for users). Anything else is a usage error, not a daemon on a socket
     * named after a typo.
     */
    static int daemon(String argument, PrintStream err) {
        if (!argument.equals("stop")) {
            if (argument.endsWith(".sock") && Path.of(argument).isAbsolute()) {
                return BuildDaemon.serve(Path.of(argument));
            }
            err.println("error: unknown daemon command \"" + argument + "\": `daemon stop` stops this user's build"
                    + " daemon (the build command starts it; STEVEDORE_BUILD_DAEMON=off keeps builds in the caller's JVM)");
            return 2;
        }
        JarIdentity jar = JarIdentity.current();
        if (jar == null) {
            return 0;
        }
        Path socket = DaemonClient.socketPath(
                BuildOptions.defaultWorkDir(System.getenv(), Path.of("").toAbsolutePath()), jar);
        return socket == null ? 0 : DaemonClient.send(socket, new String[] {BuildDaemon.STOP}, System.getenv()).orElse(0);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(BuildCommand.USAGE + "\n\n" + io.stevedore.builder.worker.WorkerCommand.USAGE);
            return 2;
        }
        if (isHelp(args[0]) || args[0].equals("help")) {   // asked for: on stdout, as docker does
            out.println(BuildCommand.USAGE + "\n\n" + io.stevedore.builder.worker.WorkerCommand.USAGE);
            return 0;
        }
        if (!args[0].equals("build")) {
            err.println("error: unknown command \"" + args[0] + "\"\n\n" + BuildCommand.USAGE);
            return 2;
        }
        return build(out, err, System.getenv(), Path.of("").toAbsolutePath(), Arrays.copyOfRange(args, 1, args.length));
    }

    /** `build ARGS` for a caller with this environment and working directory: here, or in the daemon. */
    static int build(PrintStream out, PrintStream err, java.util.Map<String, String> environment, Path cwd,
                     String[] buildArgs) {
        if (Arrays.stream(buildArgs).anyMatch(Main::isHelp)) {   // `docker build --help` habits
            out.println(BuildCommand.USAGE);
            return 0;
        }
        if (RemoteBuildCommand.isRemote(buildArgs)) {
            return new RemoteBuildCommand(out, err, environment, cwd).run(buildArgs);
        }
        return new BuildCommand(out, err, environment, cwd).run(buildArgs);
    }

    private static boolean isHelp(String arg) {
        return arg.equals("--help") || arg.equals("-h");
    }
}
