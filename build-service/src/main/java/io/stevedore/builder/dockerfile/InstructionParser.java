package io.stevedore.builder.dockerfile;

import static io.stevedore.builder.dockerfile.InstructionFlags.Kind.BOOLEAN;
import static io.stevedore.builder.dockerfile.InstructionFlags.Kind.LIST;
import static io.stevedore.builder.dockerfile.InstructionFlags.Kind.STRING;
import static io.stevedore.builder.dockerfile.InstructionFlags.accepts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Parses one logical line into its {@link Instruction}, checking what BuildKit checks. */
final class InstructionParser {

    private static final Pattern STAGE_NAME = Pattern.compile("[a-z][a-z0-9-_.]*");
    private static final Set<String> NETWORKS = Set.of("none", "default", "host");
    private static final Set<String> SECURITY = Set.of("sandbox", "insecure");
    private static final Pattern ONBUILD_KEYWORD = Pattern.compile("(?i)^\\s*ONBUILD\\s*");

    private static final Map<String, InstructionFlags.Kind> FROM_FLAGS = accepts("platform", STRING);
    private static final Map<String, InstructionFlags.Kind> RUN_FLAGS =
            accepts("mount", LIST, "network", STRING, "security", STRING);
    private static final Map<String, InstructionFlags.Kind> COPY_FLAGS = accepts("from", STRING, "chown", STRING,
            "chmod", STRING, "link", BOOLEAN, "parents", BOOLEAN, "exclude", LIST);
    private static final Map<String, InstructionFlags.Kind> ADD_FLAGS = accepts("chown", STRING, "chmod", STRING,
            "checksum", STRING, "keep-git-dir", BOOLEAN, "link", BOOLEAN, "exclude", LIST);
    private static final Map<String, InstructionFlags.Kind> HEALTHCHECK_FLAGS = accepts("interval", STRING,
            "timeout", STRING, "start-period", STRING, "start-interval", STRING, "retries", STRING);
    private static final Map<String, InstructionFlags.Kind> NO_FLAGS = accepts();

    private final char escape;

    InstructionParser(char escape) {
        this.escape = escape;
    }

    Instruction parse(LogicalLines.Entry entry) {
        try {
            return parseOrThrow(entry);
        } catch (InvalidInstruction e) {
            throw new DockerfileException(entry.line(), e.getMessage());
        }
    }

    private Instruction parseOrThrow(LogicalLines.Entry entry) {
        int line = entry.line();
        String source = entry.text().strip();
        InstructionLine split = InstructionLine.split(source);
        String keyword = split.keyword().toUpperCase(Locale.ROOT);
        String args = split.arguments();
        List<String> flagWords = split.flags();
        return switch (keyword) {
            case "FROM" -> from(line, source, InstructionFlags.parse(flagWords, FROM_FLAGS), args);
            case "RUN" -> run(line, source, InstructionFlags.parse(flagWords, RUN_FLAGS), args, entry.heredocs());
            case "CMD" -> new Instruction.Cmd(line, source, command(keyword, noFlags(flagWords, args)));
            case "ENTRYPOINT" -> new Instruction.Entrypoint(line, source, command(keyword, noFlags(flagWords, args)));
            case "SHELL" -> shell(line, source, noFlags(flagWords, args));
            case "ENV" -> new Instruction.Env(line, source, pairs(keyword, noFlags(flagWords, args)));
            case "LABEL" -> new Instruction.Label(line, source, pairs(keyword, noFlags(flagWords, args)));
            case "ARG" -> arg(line, source, noFlags(flagWords, args));
            case "WORKDIR" -> new Instruction.Workdir(line, source, exactlyOne(keyword, noFlags(flagWords, args)));
            case "USER" -> new Instruction.User(line, source, exactlyOne(keyword, noFlags(flagWords, args)));
            case "STOPSIGNAL" -> new Instruction.StopSignal(line, source, exactlyOne(keyword, noFlags(flagWords, args)));
            case "MAINTAINER" -> new Instruction.Maintainer(line, source, exactlyOne(keyword, noFlags(flagWords, args)));
            case "COPY" -> copy(line, source, InstructionFlags.parse(flagWords, COPY_FLAGS), args, entry.heredocs());
            case "ADD" -> add(line, source, InstructionFlags.parse(flagWords, ADD_FLAGS), args, entry.heredocs());
            case "EXPOSE" -> new Instruction.Expose(line, source, atLeastOne(keyword,
                    InstructionLine.splitOnWhitespace(noFlags(flagWords, args))));
            case "VOLUME" -> new Instruction.Volume(line, source, atLeastOne(keyword, list(noFlags(flagWords, args))));
            case "HEALTHCHECK" -> healthcheck(line, source, InstructionFlags.parse(flagWords, HEALTHCHECK_FLAGS), args);
            case "ONBUILD" -> onbuild(entry, source, noFlags(flagWords, args));
            default -> throw new InvalidInstruction("unknown instruction: " + keyword);
        };
    }

    private static String noFlags(List<String> flagWords, String args) {
        InstructionFlags.parse(flagWords, NO_FLAGS);
        return args;
    }

    private static Instruction.From from(int line, String source, InstructionFlags flags, String args) {
        List<String> words = InstructionLine.splitOnWhitespace(args);
        String alias = null;
        if (words.size() == 3 && words.get(1).equalsIgnoreCase("as")) {
            alias = words.get(2).toLowerCase(Locale.ROOT);
            if (!STAGE_NAME.matcher(alias).matches()) {
                throw new InvalidInstruction("invalid name for build stage: \"" + words.get(2)
                        + "\", name can't start with a number or contain symbols");
            }
        } else if (words.size() != 1) {
            throw new InvalidInstruction("FROM requires either one or three arguments (image [AS name])");
        }
        return new Instruction.From(line, source, words.get(0), alias, flags.string("platform"));
    }

    private Instruction.Run run(int line, String source, InstructionFlags flags, String args, List<Heredoc> heredocs) {
        List<Mount> mounts = new ArrayList<>();
        for (String mount : flags.list("mount")) {
            mounts.add(MountParser.parse(mount));
        }
        String network = flags.string("network");
        if (network != null && !NETWORKS.contains(network)) {
            throw new InvalidInstruction("unsupported network mode \"" + network + "\" (none, default or host)");
        }
        String security = flags.string("security");
        if (security != null && !SECURITY.contains(security)) {
            throw new InvalidInstruction("unsupported security mode \"" + security + "\" (sandbox or insecure)");
        }
        return new Instruction.Run(line, source, command("RUN", args), mounts, network, security, heredocs);
    }

    private static Command command(String keyword, String args) {
        if (args.isEmpty()) {
            throw new InvalidInstruction(keyword + " requires at least one argument");
        }
        List<String> exec = ExecForm.parse(args);
        return exec != null ? Command.exec(exec) : Command.shell(args);
    }

    private static Instruction.Shell shell(int line, String source, String args) {
        List<String> exec = args.isEmpty() ? null : ExecForm.parse(args);
        if (exec == null) {
            throw new InvalidInstruction("SHELL requires the arguments to be in JSON form, e.g. SHELL [\"/bin/sh\", \"-c\"]");
        }
        if (exec.isEmpty()) {
            throw new InvalidInstruction("SHELL requires at least one argument");
        }
        return new Instruction.Shell(line, source, exec);
    }

    /** ENV and LABEL: {@code k=v k2="v 2"}, or the legacy {@code k v...} (one pair, value = the rest). */
    private List<KeyValue> pairs(String keyword, String args) {
        List<String> words = QuotedWords.split(args, escape);
        if (words.isEmpty()) {
            throw new InvalidInstruction(keyword + " requires at least one argument");
        }
        List<KeyValue> pairs = new ArrayList<>();
        if (!words.get(0).contains("=")) {
            String[] parts = InstructionLine.WHITESPACE.split(args, 2);
            if (parts.length < 2) {
                throw new InvalidInstruction(keyword + " must have two arguments (" + keyword + " name=value)");
            }
            pairs.add(new KeyValue(parts[0], parts[1]));
            return pairs;
        }
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq < 0) {
                throw new InvalidInstruction("Syntax error - can't find = in \"" + word + "\". Must be of the form: name=value");
            }
            if (eq == 0) {
                throw new InvalidInstruction(keyword + " names can not be blank");
            }
            pairs.add(new KeyValue(word.substring(0, eq), word.substring(eq + 1)));
        }
        return pairs;
    }

    private Instruction.Arg arg(int line, String source, String args) {
        List<String> words = QuotedWords.split(args, escape);
        if (words.isEmpty()) {
            throw new InvalidInstruction("ARG requires at least one argument");
        }
        List<ArgDeclaration> declarations = new ArrayList<>();
        for (String word : words) {
            int eq = word.indexOf('=');
            String name = eq < 0 ? word : word.substring(0, eq);
            if (name.isEmpty()) {
                throw new InvalidInstruction("ARG names can not be blank");
            }
            declarations.add(new ArgDeclaration(name, eq < 0 ? null : word.substring(eq + 1)));
        }
        return new Instruction.Arg(line, source, declarations);
    }

    private static String exactlyOne(String keyword, String args) {
        if (args.isEmpty()) {
            throw new InvalidInstruction(keyword + " requires exactly one argument");
        }
        return args;
    }

    private static List<String> atLeastOne(String keyword, List<String> values) {
        if (values.isEmpty()) {
            throw new InvalidInstruction(keyword + " requires at least one argument");
        }
        return values;
    }

    /** JSON array or white-space separated words (COPY, ADD, VOLUME). */
    private static List<String> list(String args) {
        List<String> exec = ExecForm.parse(args);
        return exec != null ? exec : InstructionLine.splitOnWhitespace(args);
    }

    private record SourcesAndDestination(List<String> sources, String destination, List<Heredoc> heredocs) {}

    private static SourcesAndDestination sourcesAndDestination(String keyword, String args, List<Heredoc> bodies) {
        List<String> words = list(args);
        if (words.size() < 2) {
            throw new InvalidInstruction(keyword + " requires at least two arguments, but only " + words.size()
                    + " " + (words.size() == 1 ? "was" : "were") + " provided. Destination could not be determined.");
        }
        String destination = words.get(words.size() - 1);
        if (!bodies.isEmpty() && LogicalLines.heredocMarker(destination) != null) {
            throw new InvalidInstruction("the destination of " + keyword + " cannot be a heredoc: " + destination);
        }
        List<String> sources = new ArrayList<>();
        List<Heredoc> heredocs = new ArrayList<>();
        int nextBody = 0;
        for (String word : words.subList(0, words.size() - 1)) {
            Heredoc marker = bodies.isEmpty() ? null : LogicalLines.heredocMarker(word);
            if (marker != null && nextBody < bodies.size()) {
                heredocs.add(bodies.get(nextBody++));
            } else {
                sources.add(word);
            }
        }
        if (nextBody < bodies.size()) {
            throw new InvalidInstruction(keyword + " heredoc <<" + bodies.get(nextBody).name() + " is not one of its sources");
        }
        return new SourcesAndDestination(sources, destination, heredocs);
    }

    private static Instruction.Copy copy(int line, String source, InstructionFlags flags, String args, List<Heredoc> bodies) {
        SourcesAndDestination sd = sourcesAndDestination("COPY", args, bodies);
        return new Instruction.Copy(line, source, sd.sources(), sd.destination(), flags.string("from"),
                flags.string("chown"), flags.string("chmod"), flags.bool("link"), flags.bool("parents"),
                flags.list("exclude"), sd.heredocs());
    }

    private static Instruction.Add add(int line, String source, InstructionFlags flags, String args, List<Heredoc> bodies) {
        SourcesAndDestination sd = sourcesAndDestination("ADD", args, bodies);
        return new Instruction.Add(line, source, sd.sources(), sd.destination(), flags.string("chown"),
                flags.string("chmod"), flags.string("checksum"), flags.bool("keep-git-dir"), flags.bool("link"),
                flags.list("exclude"), sd.heredocs());
    }

    private static Instruction.Healthcheck healthcheck(int line, String source, InstructionFlags flags, String args) {
        String[] typeAndRest = args.split("\\s+", 2);
        String type = typeAndRest[0].toUpperCase(Locale.ROOT);
        String rest = typeAndRest.length > 1 ? typeAndRest[1].strip() : "";
        if (type.isEmpty()) {
            throw new InvalidInstruction("HEALTHCHECK requires an argument (NONE or CMD command)");
        }
        String interval = duration(flags, "interval");
        String timeout = duration(flags, "timeout");
        String startPeriod = duration(flags, "start-period");
        String startInterval = duration(flags, "start-interval");
        String retries = flags.string("retries");
        if (retries != null) {
            try {
                if (Integer.parseInt(retries) < 0) {
                    throw new InvalidInstruction("--retries cannot be negative (" + retries + ")");
                }
            } catch (NumberFormatException e) {
                throw new InvalidInstruction("--retries must be an integer, not \"" + retries + "\"");
            }
        }
        return switch (type) {
            case "NONE" -> {
                if (!rest.isEmpty()) {
                    throw new InvalidInstruction("HEALTHCHECK NONE takes no arguments");
                }
                yield new Instruction.Healthcheck(line, source, null, interval, timeout, startPeriod, startInterval, retries);
            }
            case "CMD" -> {
                if (rest.isEmpty()) {
                    throw new InvalidInstruction("Missing command after HEALTHCHECK CMD");
                }
                yield new Instruction.Healthcheck(line, source, command("HEALTHCHECK CMD", rest), interval, timeout,
                        startPeriod, startInterval, retries);
            }
            default -> throw new InvalidInstruction("Unknown type \"" + typeAndRest[0] + "\" in HEALTHCHECK (try CMD)");
        };
    }

    private static String duration(InstructionFlags flags, String name) {
        String value = flags.string(name);
        if (value == null) {
            return null;
        }
        Duration d;
        try {
            d = GoDuration.parse(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidInstruction("--" + name + ": " + e.getMessage());
        }
        if (d.isNegative()) {
            throw new InvalidInstruction("--" + name + " cannot be negative: " + value);
        }
        if (!d.isZero() && d.compareTo(Duration.ofMillis(1)) < 0) {
            throw new InvalidInstruction("--" + name + " \"" + value + "\" cannot be less than 1ms");
        }
        return value;
    }

    private Instruction.Onbuild onbuild(LogicalLines.Entry entry, String source, String args) {
        if (args.isEmpty()) {
            throw new InvalidInstruction("ONBUILD requires at least one argument");
        }
        String triggerKeyword = InstructionLine.split(args).keyword().toUpperCase(Locale.ROOT);
        if (triggerKeyword.equals("ONBUILD")) {
            throw new InvalidInstruction("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        }
        if (triggerKeyword.equals("FROM") || triggerKeyword.equals("MAINTAINER")) {
            throw new InvalidInstruction(triggerKeyword + " isn't allowed as an ONBUILD trigger");
        }
        String trigger = ONBUILD_KEYWORD.matcher(source).replaceFirst("") + entry.heredocText();
        // Parsed now so that a broken trigger fails this build, not the child's.
        parse(new LogicalLines.Entry(entry.line(), trigger.lines().findFirst().orElse(""), entry.heredocs(), ""));
        return new Instruction.Onbuild(entry.line(), source, trigger);
    }
}
