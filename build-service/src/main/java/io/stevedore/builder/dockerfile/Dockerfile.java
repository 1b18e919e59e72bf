package io.stevedore.builder.dockerfile;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed Dockerfile, following the Dockerfile reference and BuildKit's parser: parser
 * directives ({@code syntax}, {@code escape}, {@code check}; keys lower-case), the ARGs declared
 * before the first FROM, and the stages. Nothing is expanded here: see {@link ShellWords}.
 */
public record Dockerfile(Map<String, String> directives, List<Instruction.Arg> globalArgs, List<Stage> stages) {

    public Dockerfile {
        directives = Collections.unmodifiableMap(new LinkedHashMap<>(directives));
        globalArgs = List.copyOf(globalArgs);
        stages = List.copyOf(stages);
    }

    /** Parses a whole Dockerfile; throws {@link DockerfileException} naming the offending line. */
    public static Dockerfile parse(String text) {
        LogicalLines lines = new LogicalLines(text, true);
        List<Instruction.Arg> globalArgs = new ArrayList<>();
        List<Stage> stages = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Instruction.From from = null;
        List<Instruction> body = new ArrayList<>();
        InstructionParser parser = null;
        for (LogicalLines.Entry entry = lines.next(); entry != null; entry = lines.next()) {
            if (parser == null) {
                parser = new InstructionParser(lines.escape()); // the escape directive is known by now
            }
            Instruction instruction = parser.parse(entry);
            if (instruction instanceof Instruction.From next) {
                if (from != null) {
                    stages.add(new Stage(stages.size(), from, body));
                    body = new ArrayList<>();
                }
                if (next.alias() != null && !names.add(next.alias())) {
                    throw new DockerfileException(next.line(), "duplicate stage name \"" + next.alias() + "\"");
                }
                from = next;
            } else if (from != null) {
                body.add(instruction);
            } else if (instruction instanceof Instruction.Arg arg) {
                globalArgs.add(arg);
            } else {
                throw new DockerfileException(instruction.line(), keyword(instruction)
                        + " before the first FROM: only ARG may come before FROM");
            }
        }
        if (from == null) {
            throw new DockerfileException(lines.linesRead(), parser == null
                    ? "the Dockerfile has no instructions" : "no FROM instruction: a Dockerfile needs at least one stage");
        }
        stages.add(new Stage(stages.size(), from, body));
        return new Dockerfile(lines.directives(), globalArgs, stages);
    }

    /**
     * Parses one instruction, such as an ONBUILD trigger taken from a base image's config, with the
     * default escape character; {@code line} is what errors and the result report.
     */
    public static Instruction parseInstruction(String text, int line) {
        return parseInstruction(text, line, '\\');
    }

    /** Like {@link #parseInstruction(String, int)} with the given escape character. */
    public static Instruction parseInstruction(String text, int line, char escape) {
        LogicalLines lines = new LogicalLines(escape == '\\' ? text : "# escape=" + escape + "\n" + text, escape != '\\');
        LogicalLines.Entry entry = lines.next();
        if (entry == null) {
            throw new DockerfileException(line, "empty instruction");
        }
        LogicalLines.Entry located = new LogicalLines.Entry(line, entry.text(), entry.heredocs(), entry.heredocText());
        Instruction instruction = new InstructionParser(escape).parse(located);
        if (lines.next() != null) {
            throw new DockerfileException(line, "expected one instruction, found several: " + text.strip());
        }
        return instruction;
    }

    /** The stage with this {@code AS} name (case-insensitive) or this index. */
    public Optional<Stage> stage(String nameOrIndex) {
        for (Stage stage : stages) {
            if (stage.name().filter(n -> n.equalsIgnoreCase(nameOrIndex)).isPresent()) {
                return Optional.of(stage);
            }
        }
        if (nameOrIndex.matches("\\d{1,9}")) {
            int index = Integer.parseInt(nameOrIndex);
            if (index < stages.size()) {
                return Optional.of(stages.get(index));
            }
        }
        return Optional.empty();
    }

    /** The escape character: {@code \} unless {@code # escape=`}. */
    public char escape() {
        String escape = directives.get("escape");
        return escape == null ? '\\' : escape.charAt(0);
    }

    private static String keyword(Instruction instruction) {
        return instruction.source().split("\\s+", 2)[0].toUpperCase(java.util.Locale.ROOT);
    }
}
