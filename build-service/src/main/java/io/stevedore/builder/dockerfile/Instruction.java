package io.stevedore.builder.dockerfile;

import java.util.List;

/**
 * One parsed Dockerfile instruction. Every text field is raw: exactly as written, quotes kept and
 * variables unexpanded, for the executor to pass to {@link ShellWords} with the stage's ARGs and
 * ENV at that point. Fields of flags that were not given are null (or false, or empty).
 */
public sealed interface Instruction {

    /** 1-based line of the instruction's first line. */
    int line();

    /**
     * The instruction as written, for history {@code created_by}: continuation lines joined as
     * BuildKit joins them (escape and line break removed, nothing inserted, so {@code foo\} +
     * {@code bar} stays {@code foobar}), comment lines inside dropped, heredoc bodies not included.
     */
    String source();

    /** {@code FROM [--platform=P] image [AS alias]}: image raw, alias lower-cased or null. */
    record From(int line, String source, String image, String alias, String platform) implements Instruction {
        public boolean isScratch() {
            return "scratch".equalsIgnoreCase(image);
        }
    }

    /**
     * {@code RUN [--mount=...]... [--network=none|default|host] [--security=sandbox|insecure] command}.
     *
     * <p>With heredocs the command keeps the shell-form text of the instruction line ({@code <<EOF}
     * or {@code python3 <<EOF > out}) and the bodies are in {@code heredocs}. The executor runs it
     * as BuildKit does: when the whole command is a single heredoc marker ({@code <<EOF}), the body
     * is the script: if it starts with {@code #!} it is written to an executable file and run
     * directly (so its interpreter runs it), otherwise it is passed to the stage's shell as
     * {@code SHELL... <body>} (i.e. {@code /bin/sh -c <body>}). Otherwise the command text is given
     * to the shell followed by each body and its delimiter line
     * ({@code text + "\n" + body + name + "\n"}...), so the shell itself feeds the here-documents.
     */
    record Run(int line, String source, Command command, List<Mount> mounts, String network, String security,
               List<Heredoc> heredocs) implements Instruction {
        public Run {
            mounts = List.copyOf(mounts);
            heredocs = List.copyOf(heredocs);
        }
    }

    record Cmd(int line, String source, Command command) implements Instruction {}

    record Entrypoint(int line, String source, Command command) implements Instruction {}

    /** {@code SHELL ["executable", "param"...]}: always JSON. */
    record Shell(int line, String source, List<String> shell) implements Instruction {
        public Shell {
            shell = List.copyOf(shell);
        }
    }

    /** {@code ENV k=v ...} or the legacy {@code ENV k v} (value = the rest of the line). */
    record Env(int line, String source, List<KeyValue> pairs) implements Instruction {
        public Env {
            pairs = List.copyOf(pairs);
        }
    }

    record Label(int line, String source, List<KeyValue> pairs) implements Instruction {
        public Label {
            pairs = List.copyOf(pairs);
        }
    }

    /** {@code ARG name[=default] ...}; before the first FROM these are the global ARGs. */
    record Arg(int line, String source, List<ArgDeclaration> declarations) implements Instruction {
        public Arg {
            declarations = List.copyOf(declarations);
        }
    }

    record Workdir(int line, String source, String path) implements Instruction {}

    record User(int line, String source, String user) implements Instruction {}

    /**
     * {@code COPY [--from=] [--chown=] [--chmod=] [--link] [--parents] [--exclude=]... src... dest}.
     * {@code sources} are the path sources (raw words in shell form, strings in JSON form); heredoc
     * sources ({@code COPY <<EOF /dest}) are not among them but in {@code heredocs}: each body
     * becomes a file named by its delimiter.
     */
    record Copy(int line, String source, List<String> sources, String destination, String from, String chown,
                String chmod, boolean link, boolean parents, List<String> excludes, List<Heredoc> heredocs)
            implements Instruction {
        public Copy {
            sources = List.copyOf(sources);
            excludes = List.copyOf(excludes);
            heredocs = List.copyOf(heredocs);
        }
    }

    /** Like {@link Copy}, with ADD's flags; sources may be URLs or git repositories. */
    record Add(int line, String source, List<String> sources, String destination, String chown, String chmod,
               String checksum, boolean keepGitDir, boolean link, List<String> excludes, List<Heredoc> heredocs)
            implements Instruction {
        public Add {
            sources = List.copyOf(sources);
            excludes = List.copyOf(excludes);
            heredocs = List.copyOf(heredocs);
        }
    }

    /** Raw port words, e.g. {@code 80/tcp}, {@code ${PORT}}, {@code 7000-7010/udp}. */
    record Expose(int line, String source, List<String> ports) implements Instruction {
        public Expose {
            ports = List.copyOf(ports);
        }
    }

    /** JSON or space-separated form. */
    record Volume(int line, String source, List<String> paths) implements Instruction {
        public Volume {
            paths = List.copyOf(paths);
        }
    }

    /**
     * {@code HEALTHCHECK NONE} ({@code test == null}) or {@code HEALTHCHECK [options] CMD command}.
     * The durations are as written (Go syntax, already validated; {@link GoDuration#parse} converts
     * them), {@code retries} a validated non-negative integer; null when not given.
     */
    record Healthcheck(int line, String source, Command test, String interval, String timeout, String startPeriod,
                       String startInterval, String retries) implements Instruction {}

    record StopSignal(int line, String source, String signal) implements Instruction {}

    /**
     * {@code ONBUILD trigger}: the trigger text as the image config's OnBuild stores it (the
     * instruction line, then for each heredoc a line break, its body and its delimiter line, as
     * BuildKit keeps it); already validated, and {@link #parsedTrigger()} parses it again.
     */
    record Onbuild(int line, String source, String trigger) implements Instruction {
        public Instruction parsedTrigger() {
            return Dockerfile.parseInstruction(trigger, line);
        }
    }

    /** Deprecated, kept: its value becomes the image's author. */
    record Maintainer(int line, String source, String name) implements Instruction {}
}
