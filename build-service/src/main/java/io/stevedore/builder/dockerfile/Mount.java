package io.stevedore.builder.dockerfile;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code RUN --mount=...}. {@code type} is bind (the default), cache, tmpfs, secret or ssh.
 * The options keep the order they were written in, with their values raw (the executor expands
 * them) and their keys normalised: {@code src} becomes {@code source}; {@code dst} and
 * {@code destination} become {@code target}; {@code ro}, {@code readonly}, {@code rw} and
 * {@code readwrite} all become {@code readonly} = "true"/"false"; a bare {@code required} is
 * {@code required} = "true". Other keys: id, from, mode, uid, gid, sharing, size, env.
 */
public record Mount(String type, Map<String, String> options) {
    public Mount {
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** The option's raw value, or null. */
    public String option(String key) {
        return options.get(key);
    }
}
