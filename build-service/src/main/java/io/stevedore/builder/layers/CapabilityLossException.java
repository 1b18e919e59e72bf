package io.stevedore.builder.layers;

/**
 * A layer would lose file capabilities ({@code security.capability}, which ping and similar tools
 * rely on) because setfattr or getfattr (Debian package attr) is missing. The build fails instead:
 * an image whose binaries silently lost their capabilities breaks only later, where it runs.
 */
public final class CapabilityLossException extends RuntimeException {
    private static final String REFUSAL = "refusing to build an image that would silently lose them";

    private final String predicate;

    /** The message is {@code subject + " " + predicate}, e.g. "a layer" + " carries file capabilities ...". */
    private CapabilityLossException(String subject, String predicate) {
        super(subject + " " + predicate);
        this.predicate = predicate;
    }

    /** {@code subject} (a layer, an archive) has a capability on {@code path} that cannot be set. */
    static CapabilityLossException cannotSet(String subject, String path) {
        return new CapabilityLossException(subject, "carries file capabilities (" + SecurityXattrs.CAPABILITY + " on "
                + path + ") but setfattr is not installed (Debian package attr): " + REFUSAL);
    }

    /** The layer being written holds {@code executable}, whose capability (if any) cannot be read. */
    static CapabilityLossException cannotRead(String executable) {
        return new CapabilityLossException("the new layer", "holds the executable " + executable
                + ", which may carry file capabilities (" + SecurityXattrs.CAPABILITY
                + "), but getfattr is not installed (Debian package attr): " + REFUSAL);
    }

    /** The message told about a named subject, such as "layer sha256:...", which the thrower did not know. */
    public String messageAbout(String subject) {
        return subject + " " + predicate;
    }
}
