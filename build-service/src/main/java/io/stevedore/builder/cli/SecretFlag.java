package io.stevedore.builder.cli;

import java.nio.file.Path;

/**
 * One `--secret id=ID[,src=PATH|,env=VAR]` as docker spells it: from a file, or else from an
 * environment variable (named ID when neither is given).
 */
record SecretFlag(String id, Path file, String environmentVariable) {

    static SecretFlag parse(String value, Path cwd) {
        String id = null;
        String src = null;
        String env = null;
        for (String part : value.split(",")) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq);
            String v = eq < 0 ? "" : part.substring(eq + 1);
            switch (key) {
                case "id" -> id = v;
                case "src", "source" -> src = v;
                case "env" -> env = v;
                case "type" -> { /* file or env, implied by src/env */ }
                default -> throw new IllegalArgumentException("--secret: unknown field " + key);
            }
        }
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("--secret needs id=ID");
        }
        return src != null ? new SecretFlag(id, cwd.resolve(src), null) : new SecretFlag(id, null, env != null ? env : id);
    }
}
