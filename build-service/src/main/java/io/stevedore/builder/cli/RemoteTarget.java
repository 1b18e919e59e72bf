package io.stevedore.builder.cli;

import io.stevedore.client.ImageReference;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The registry named by `--remote URL`: where builds are submitted and, as host:port, the only
 * registry their tags may name. Secrets may travel to it only over TLS or the loopback interface.
 */
record RemoteTarget(URI url) {

    static RemoteTarget parse(String text) {
        try {
            URI uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
            if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new IllegalArgumentException("--remote must be an http:// or https:// URL: " + text);
            }
            return new RemoteTarget(uri);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--remote is not a URL: " + text);
        }
    }

    /** host[:port] as image names spell the registry. */
    String host() {
        return url.getPort() < 0 ? url.getHost() : url.getHost() + ":" + url.getPort();
    }

    /**
     * A tag for this registry as the API wants it, `repository:tag`: `alice/app:1` as is,
     * `HOST:PORT/alice/app:1` with this registry's host stripped, no tag meaning `latest`.
     */
    String repositoryTag(String tag) {
        ImageReference reference;
        try {
            reference = ImageReference.parse(tag, host());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid tag \"" + tag + "\": " + e.getMessage());
        }
        if (!reference.registry().equals(host())) {
            throw new IllegalArgumentException("tag \"" + tag + "\" names registry " + reference.registry()
                    + ", but remote builds push only to " + host() + " (use repository:tag)");
        }
        if (reference.digest() != null) {
            throw new IllegalArgumentException("tag \"" + tag + "\" has a digest; a build is pushed under tags");
        }
        return reference.repository().value() + ":" + (reference.tag() != null ? reference.tag() : ImageReference.DEFAULT_TAG);
    }

    /** Whether secret values may be sent here: TLS, or a registry on this machine's loopback interface. */
    boolean safeForSecrets() {
        if (url.getScheme().equals("https")) {
            return true;
        }
        String host = url.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.equals("localhost")) {
            return true;
        }
        if (!host.matches("[0-9.]+") && !host.contains(":")) {
            return false;   // a name could resolve anywhere; only literal loopback addresses count
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
