package io.stevedore.builder.layers;

/**
 * A tar entry (in an image layer or an ADDed archive) that would write outside its root, or that
 * cannot be represented safely. The message names the entry.
 */
public class HostileArchiveException extends RuntimeException {
    public HostileArchiveException(String message) {
        super(message);
    }

    public static HostileArchiveException entry(String entryName, String reason) {
        return new HostileArchiveException("refused tar entry '" + printable(entryName) + "': " + reason);
    }

    static String printable(String text) {
        String shown = text.replaceAll("[\\x00-\\x1f\\x7f]", "?");
        return shown.length() > 200 ? shown.substring(0, 200) + "..." : shown;
    }
}
