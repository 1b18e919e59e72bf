package io.stevedore.client;

import io.stevedore.oci.Digest;
import io.stevedore.oci.InvalidNameException;
import io.stevedore.oci.RepositoryName;
import io.stevedore.oci.Tag;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An image as a user writes it ({@code ubuntu}, {@code 127.0.0.1:5000/app:1},
 * {@code ghcr.io/o/a@sha256:...}), normalised the way the Docker CLI does it, so a Dockerfile's
 * {@code FROM} means here what it means to {@code docker pull}.
 *
 * @param registry   host[:port] of the registry; {@link #DOCKER_HUB} for Docker Hub
 * @param repository the repository path on that registry
 * @param tag        the tag, or null when only a digest was given
 * @param digest     the digest, or null; when both are set the digest decides what is pulled
 */
public record ImageReference(String registry, RepositoryName repository, String tag, Digest digest) {
    public static final String DOCKER_HUB = "docker.io";
    public static final String DEFAULT_TAG = "latest";

    /** What docker still accepts as Docker Hub's name, from before it was called docker.io. */
    private static final String LEGACY_DOCKER_HUB = "index.docker.io";
    private static final String DOCKER_HUB_OFFICIAL_NAMESPACE = "library/";
    private static final Pattern DOMAIN_COMPONENT = Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?");
    private static final Pattern REGISTRY = Pattern.compile(
            "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[a-fA-F0-9:]+])(?::[0-9]+)?");
    /** docker refuses a bare 64-hex name: it would be ambiguous with an image id. */
    private static final Pattern IMAGE_ID = Pattern.compile("[a-f0-9]{64}");
    /** Distribution's limit on the whole name, registry included. */
    private static final int MAX_NAME_LENGTH = 255;

    public ImageReference {
        if (registry == null || !REGISTRY.matcher(registry).matches()) {
            throw new InvalidNameException("invalid registry '" + printable(String.valueOf(registry)) + "'");
        }
        if (repository == null) {
            throw new InvalidNameException("an image reference needs a repository");
        }
        if (tag != null) {
            new Tag(tag);
        }
        if (tag == null && digest == null) {
            throw new InvalidNameException("an image reference needs a tag or a digest");
        }
    }

    /**
     * Parses {@code [registry/]repository[:tag][@digest]}. The first path component is the registry
     * when it contains {@code .} or {@code :}, is {@code localhost}, or has upper-case letters
     * (which no repository may have); otherwise the image lives on {@code defaultRegistry}. On
     * Docker Hub a one-component name is an official image under {@code library/}. Without tag
     * and digest the tag is {@code latest}.
     *
     * @throws InvalidNameException for anything docker would refuse
     * @throws io.stevedore.oci.InvalidDigestException for a malformed digest
     */
    public static ImageReference parse(String text, String defaultRegistry) {
        if (text == null || text.isBlank()) {
            throw new InvalidNameException("empty image reference");
        }
        if (IMAGE_ID.matcher(text).matches()) {
            throw new InvalidNameException("invalid image reference '" + text
                    + "': a 64-character hexadecimal name is an image id, not a repository");
        }
        String rest = text;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = Digest.parse(rest.substring(at + 1));
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            if (!Tag.isValid(tag)) {
                throw new InvalidNameException("invalid tag '" + printable(tag) + "' in image reference '"
                        + printable(text) + "'");
            }
            rest = rest.substring(0, colon);
        }
        String registry = normalisedRegistry(defaultRegistry);
        String path = rest;
        int slash = rest.indexOf('/');
        if (slash >= 0 && isRegistry(rest.substring(0, slash))) {
            registry = rest.substring(0, slash);
            path = rest.substring(slash + 1);
            if (!REGISTRY.matcher(registry).matches()) {
                throw new InvalidNameException("invalid registry '" + printable(registry) + "' in image reference '"
                        + printable(text) + "'");
            }
            registry = normalisedRegistry(registry);
        }
        if (!path.toLowerCase(Locale.ROOT).equals(path)) {
            throw new InvalidNameException("invalid image reference '" + printable(text) + "': repository name '"
                    + printable(path) + "' must be lower-case");
        }
        if (registry.equals(DOCKER_HUB) && path.indexOf('/') < 0) {
            path = DOCKER_HUB_OFFICIAL_NAMESPACE + path;
        }
        if (registry.length() + 1 + path.length() > MAX_NAME_LENGTH) {
            throw new InvalidNameException("image name '" + printable(text) + "' is longer than "
                    + MAX_NAME_LENGTH + " characters");
        }
        RepositoryName repository = new RepositoryName(path);
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new ImageReference(registry, repository, tag, digest);
    }

    /** Whether {@code registry} is a host[:port] as image names carry it. */
    static boolean isValidRegistry(String registry) {
        return REGISTRY.matcher(registry).matches();
    }

    private static boolean isRegistry(String firstComponent) {
        return firstComponent.contains(".") || firstComponent.contains(":") || firstComponent.equals("localhost")
                || !firstComponent.toLowerCase(Locale.ROOT).equals(firstComponent);
    }

    /** Docker Hub's legacy name, and none at all, stand for {@link #DOCKER_HUB}. */
    static String normalisedRegistry(String registry) {
        if (registry == null || registry.isEmpty() || registry.equals(LEGACY_DOCKER_HUB)) {
            return DOCKER_HUB;
        }
        return registry;
    }

    /** What to put after {@code /manifests/}: the digest when there is one, else the tag. */
    public String reference() {
        return digest != null ? digest.toString() : tag;
    }

    /** The same image with another tag; a digest is kept, as docker's reference library does. */
    public ImageReference withTag(String tag) {
        return new ImageReference(registry, repository, tag, digest);
    }

    /** The same repository under {@code tag} alone: where to push. */
    public ImageReference withTagOnly(String tag) {
        return new ImageReference(registry, repository, tag, null);
    }

    /** The same image pinned to {@code digest}, keeping the tag for people to read. */
    public ImageReference withDigest(Digest digest) {
        return new ImageReference(registry, repository, tag, digest);
    }

    public boolean isDockerHub() {
        return registry.equals(DOCKER_HUB);
    }

    private static String printable(String text) {
        String s = text.replaceAll("[^\\x20-\\x7e]", "?");
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    /** The canonical form: {@code registry/repository[:tag][@digest]}. */
    @Override
    public String toString() {
        return registry + "/" + repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
