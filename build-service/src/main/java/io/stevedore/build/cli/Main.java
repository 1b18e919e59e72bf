package io.stevedore.build.cli;

import java.io.PrintStream;
import java.util.Arrays;

/** `java -jar build-service.jar build ...`: the standalone builder, options spelled like `docker build`. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("build")) {
            java.util.Optional<Integer> status = FastStart.relaunch();
            if (status.isPresent()) {
                System.exit(status.get());
            }
        }
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            err.println(BuildCommand.USAGE);
            return args.length == 0 ? 2 : 0;
        }
        if (!args[0].equals("build")) {
            err.println("error: unknown command \"" + args[0] + "\"\n\n" + BuildCommand.USAGE);
            return 2;
        }
        return new BuildCommand(out, err).run(Arrays.copyOfRange(args, 1, args.length));
    }
}
