package io.stevedore.registry.webhooks;

import io.stevedore.registry.config.RegistryProperties;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Which URLs webhooks may send to. Only absolute http and https URLs without credentials. With
 * {@code registry.webhooks.allow-private-targets=false} a target that is, or resolves to, a
 * loopback, link-local, private or wildcard address is refused when the webhook is saved and
 * again before every attempt, so a registry user cannot make the registry call into its own
 * network (SSRF). The check and the connection resolve the name separately; a name whose DNS
 * answer changes in between (rebinding) can slip through, so deny such networks at the egress too.
 */
@Component
class WebhookTargets {
    static final int MAX_URL = 2048;

    private final boolean allowPrivate;

    @org.springframework.beans.factory.annotation.Autowired
    WebhookTargets(RegistryProperties properties) {
        this(properties.webhooks().allowPrivateTargets());
    }

    WebhookTargets(boolean allowPrivate) {
        this.allowPrivate = allowPrivate;
    }

    /** The URL, if a webhook may have it. @throws IllegalArgumentException saying why not */
    URI check(String url) {
        if (url == null || url.isBlank() || url.length() > MAX_URL) {
            throw new IllegalArgumentException("url must be an http or https URL of at most " + MAX_URL
                    + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("url is malformed: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("url must be an absolute http or https URL with a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("url must not carry credentials; receivers verify the signature");
        }
        if (uri.getRawFragment() != null) {
            throw new IllegalArgumentException("url must not have a fragment");
        }
        refusal(uri).ifPresent(reason -> {
            throw new IllegalArgumentException(reason);
        });
        return uri;
    }

    /** Why the registry will not send to this URL now, if it will not. */
    Optional<String> refusal(URI uri) {
        if (allowPrivate) {
            return Optional.empty();
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(uri.getHost())) {
                if (isPrivate(address)) {
                    return Optional.of(uri.getHost() + " is, or resolves to, a non-public address ("
                            + address.getHostAddress() + "), and registry.webhooks.allow-private-targets is false");
                }
            }
            return Optional.empty();
        } catch (UnknownHostException e) {
            return Optional.of("unknown host " + uri.getHost());
        }
    }

    static boolean isPrivate(InetAddress address) {
        byte[] bytes = address.getAddress();
        boolean uniqueLocal = address instanceof Inet6Address && (bytes[0] & 0xfe) == 0xfc;
        boolean sharedAddressSpace = bytes.length == 4 && (bytes[0] & 0xff) == 100 && (bytes[1] & 0xc0) == 64;
        return address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress() || uniqueLocal || sharedAddressSpace;
    }
}
