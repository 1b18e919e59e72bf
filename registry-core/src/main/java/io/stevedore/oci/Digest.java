package io.stevedore.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest such as {@code sha256:9f86...}. Validated on creation, so a {@code Digest} is
 * always safe to use as a storage key or a path component: only the registered algorithms, and
 * lower-case hex of exactly the algorithm's length.
 */
public record Digest(String algorithm, String hex) implements Comparable<Digest> {

    private static final Pattern HEX = Pattern.compile("[a-f0-9]+");

    public Digest {
        int expected = hexLength(algorithm);
        if (expected < 0) {
            throw new InvalidDigestException("unsupported digest algorithm: " + algorithm);
        }
        if (hex == null || hex.length() != expected || !HEX.matcher(hex).matches()) {
            throw new InvalidDigestException("malformed " + algorithm + " digest: expected " + expected
                    + " lower-case hex characters");
        }
    }

    /** Parses {@code algorithm:hex}; throws {@link InvalidDigestException} for anything else. */
    public static Digest parse(String text) {
        if (text == null) {
            throw new InvalidDigestException("missing digest");
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new InvalidDigestException("malformed digest '" + abbreviate(text) + "': expected algorithm:hex");
        }
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    public static boolean looksLikeDigest(String text) {
        return text.indexOf(':') > 0;
    }

    public static Digest sha256(byte[] content) {
        return of("sha256", content);
    }

    public static Digest of(String algorithm, byte[] content) {
        MessageDigest md = newMessageDigest(algorithm);
        return new Digest(algorithm, HexFormat.of().formatHex(md.digest(content)));
    }

    public static Digest fromMessageDigest(String algorithm, MessageDigest md) {
        return new Digest(algorithm, HexFormat.of().formatHex(md.digest()));
    }

    public MessageDigest newMessageDigest() {
        return newMessageDigest(algorithm);
    }

    public static MessageDigest newMessageDigest(String algorithm) {
        try {
            return switch (algorithm) {
                case "sha256" -> MessageDigest.getInstance("SHA-256");
                case "sha512" -> MessageDigest.getInstance("SHA-512");
                default -> throw new InvalidDigestException("unsupported digest algorithm: " + algorithm);
            };
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int hexLength(String algorithm) {
        if (algorithm == null) {
            return -1;
        }
        return switch (algorithm) {
            case "sha256" -> 64;
            case "sha512" -> 128;
            default -> -1;
        };
    }

    private static String abbreviate(String text) {
        String printable = text.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 80 ? printable.substring(0, 80) + "..." : printable;
    }

    @Override
    public int compareTo(Digest other) {
        return toString().compareTo(other.toString());
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }
}
