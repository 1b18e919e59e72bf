package io.stevedore.oci;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The platform an image in an index runs on. {@link #toString()} is the {@code os/arch[/variant]}
 * form Docker prints; {@link #parse} reads the forms {@code --platform} accepts and
 * {@link #normalised()} spells a platform the way containerd's platforms package does.
 */
public record Platform(String architecture, String os, String variant, String osVersion, List<String> osFeatures) {

    public Platform {
        osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
    }

    public static Platform of(String os, String architecture) {
        return new Platform(architecture, os, null, null, List.of());
    }

    /** One platform, normalised: `linux/amd64`, `linux/arm64/v8`, `arm64` (os defaults to linux). */
    public static Platform parse(String text) {
        String[] parts = text.trim().toLowerCase(Locale.ROOT).split("/");
        if (parts.length == 0 || parts.length > 3 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("invalid platform \"" + text + "\": expected os/arch[/variant]");
        }
        if (parts.length == 1) {
            return Platform.of("linux", parts[0]).normalised();
        }
        String variant = parts.length == 3 ? parts[2] : null;
        return new Platform(parts[1], parts[0], variant, null, List.of()).normalised();
    }

    /** A comma-separated list, as `--platform linux/amd64,linux/arm64`: normalised, without repeats. */
    public static List<Platform> parseList(String text) {
        List<Platform> platforms = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                Platform platform = parse(part);
                if (!platforms.contains(platform)) {
                    platforms.add(platform);
                }
            }
        }
        if (platforms.isEmpty()) {
            throw new IllegalArgumentException("--platform names no platform");
        }
        return platforms;
    }

    /**
     * Architecture aliases folded (x86_64 is amd64, aarch64 is arm64...), default variants dropped
     * (arm64/v8, amd64/v1) or added (arm is v7, armel v6), os defaulting to linux; os version and
     * features are not kept.
     */
    public Platform normalised() {
        String arch = switch (architecture) {
            case "x86_64", "x86-64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "armhf", "armel", "arm" -> "arm";
            case "i386", "i686", "386" -> "386";
            default -> architecture;
        };
        String normalVariant = variant;
        if (arch.equals("arm64") && "v8".equals(normalVariant)) {
            normalVariant = null;
        }
        if (arch.equals("amd64") && "v1".equals(normalVariant)) {
            normalVariant = null;
        }
        if (arch.equals("arm") && normalVariant == null) {
            normalVariant = architecture.equals("armel") ? "v6" : "v7";
        }
        return new Platform(arch, os == null ? "linux" : os, normalVariant, null, List.of());
    }

    /**
     * Whether a descriptor's platform in an index ({@code candidate}, possibly null) serves the
     * {@code wanted} one (already normalised): same os and architecture, and the same variant when
     * one is wanted.
     */
    public static boolean matches(Platform wanted, Platform candidate) {
        if (candidate == null) {
            return false;
        }
        Platform c = candidate.normalised();
        return c.os().equals(wanted.os()) && c.architecture().equals(wanted.architecture())
                && (wanted.variant() == null || wanted.variant().equals(c.variant()));
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
