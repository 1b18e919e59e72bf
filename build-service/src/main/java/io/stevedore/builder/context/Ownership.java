package io.stevedore.builder.context;

/** Numeric owner for COPY/ADD --chown (names are resolved against the image's /etc/passwd by the caller). */
public record Ownership(int uid, int gid) {
    public static final Ownership ROOT = new Ownership(0, 0);
}
