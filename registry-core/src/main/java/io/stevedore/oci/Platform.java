package io.stevedore.oci;

import java.util.List;

/** The platform an image in an index runs on. */
public record Platform(String architecture, String os, String variant, String osVersion, List<String> osFeatures) {

    public Platform {
        osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
    }

    public static Platform of(String os, String architecture) {
        return new Platform(architecture, os, null, null, List.of());
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
