package io.stevedore.builder.engine;

import io.stevedore.oci.Platform;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** `--platform` values as Docker spells them, normalised the way containerd's platforms package does. */
public final class Platforms {
    private Platforms() {}

    /** The platform of the machine the build runs on. */
    public static Platform host() {
        return normalise(Platform.of("linux", System.getProperty("os.arch")));
    }

    /** One platform: `linux/amd64`, `linux/arm64/v8`, `arm64` (os defaults to linux). */
    public static Platform parse(String text) {
        String[] parts = text.trim().toLowerCase(Locale.ROOT).split("/");
        if (parts.length == 0 || parts.length > 3 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("invalid platform \"" + text + "\": expected os/arch[/variant]");
        }
        if (parts.length == 1) {
            return normalise(Platform.of("linux", parts[0]));
        }
        String variant = parts.length == 3 ? parts[2] : null;
        return normalise(new Platform(parts[1], parts[0], variant, null, List.of()));
    }

    /** A comma-separated list, as `--platform linux/amd64,linux/arm64`. */
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

    public static Platform normalise(Platform platform) {
        String arch = switch (platform.architecture()) {
            case "x86_64", "x86-64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "armhf", "armel", "arm" -> "arm";
            case "i386", "i686", "386" -> "386";
            default -> platform.architecture();
        };
        String variant = platform.variant();
        if (arch.equals("arm64") && "v8".equals(variant)) {
            variant = null;
        }
        if (arch.equals("amd64") && "v1".equals(variant)) {
            variant = null;
        }
        if (arch.equals("arm") && variant == null) {
            variant = platform.architecture().equals("armel") ? "v6" : "v7";
        }
        return new Platform(arch, platform.os() == null ? "linux" : platform.os(), variant, null, List.of());
    }

    /** Whether a descriptor's platform in an index serves the wanted one. */
    public static boolean matches(Platform wanted, Platform candidate) {
        if (candidate == null) {
            return false;
        }
        Platform c = normalise(candidate);
        return c.os().equals(wanted.os()) && c.architecture().equals(wanted.architecture())
                && (wanted.variant() == null || wanted.variant().equals(c.variant()));
    }

    public static String text(Platform platform) {
        return platform.os() + "/" + platform.architecture() + (platform.variant() == null ? "" : "/" + platform.variant());
    }
}
