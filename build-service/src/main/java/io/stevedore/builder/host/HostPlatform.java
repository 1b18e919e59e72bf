package io.stevedore.builder.host;

import io.stevedore.oci.Platform;

/** The platform of the machine the build runs on: the default target and the BUILDPLATFORM. */
public final class HostPlatform {
    private HostPlatform() {}

    /** linux and this JVM's architecture, normalised ({@code amd64}, not {@code x86_64}). */
    public static Platform current() {
        return Platform.of("linux", System.getProperty("os.arch")).normalised();
    }
}
