package io.stevedore.client;

import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.InvalidNameException;
import io.stevedore.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A client of one OCI registry (this one, or any other: Docker Hub's conventions included),
 * for pulling base images and pushing what a build made. Thread-safe; one per registry host.
 * Each call is a {@link RegistryEndpoint} run by a {@link RegistryCaller}, which owns
 * authentication (Docker token specification, or HTTP Basic), redirects, retries and errors.
 * Failures are {@link RegistryClientException}s; refused credentials or permissions are
 * {@link RegistryAuthenticationException}s, no answer at all {@link RegistryUnreachableException}.
 */
public final class RegistryClient implements AutoCloseable {
    /** Docker Hub's registry API lives on another host than its name. */
    static final String DOCKER_HUB_API = "registry-1.docker.io";
    private static final String DEFAULT_USER_AGENT = "stevedore-registry-client/0.1";
    private static final Pattern IPV4_LOOPBACK = Pattern.compile("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}");
    /** Pagination that never ends is a registry bug; we stop instead of looping. */
    private static final int MAX_TAG_PAGES = 10_000;

    private final String registry;
    private final HttpClient http;
    private final RegistryCaller caller;
    private final RegistryAuthenticator authenticator;
    private final BlobPusher pusher;

    private RegistryClient(Builder builder) {
        this.registry = builder.registry;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(builder.connectTimeout)
                .build();
        RegistryCredentials credentials = builder.credentials;
        if (credentials == null && builder.dockerConfig != null) {
            credentials = builder.dockerConfig.credentialsFor(registry).orElse(null);
        }
        this.authenticator = new RegistryAuthenticator(registry, credentials, http, builder.userAgent, Clock.systemUTC());
        this.caller = new RegistryCaller(registry, baseUri(registry, builder.insecure), http, authenticator,
                builder.userAgent, builder.attempts, builder.answerTimeout);
        this.pusher = new BlobPusher(caller);
    }

    /** {@code registry}: host[:port] as in an image name, e.g. "127.0.0.1:5000", "registry.example.com", "docker.io". */
    public static Builder builder(String registry) {
        return new Builder(registry);
    }

    public static final class Builder {
        private final String registry;
        private RegistryCredentials credentials;
        private DockerConfig dockerConfig;
        private boolean insecure;
        private String userAgent = DEFAULT_USER_AGENT;
        private Duration connectTimeout = Duration.ofSeconds(15);
        private int attempts = RegistryCaller.ATTEMPTS;
        private Duration answerTimeout = RegistryCaller.ANSWER_TIMEOUT;

        private Builder(String registry) {
            if (registry == null || !ImageReference.isValidRegistry(registry)) {
                throw new InvalidNameException("invalid registry '" + registry + "': expected host[:port]");
            }
            this.registry = ImageReference.normalisedRegistry(registry);
        }

        /** Sign in with these; they win over {@link #credentialsFrom(DockerConfig)}. */
        public Builder credentials(RegistryCredentials credentials) {
            this.credentials = credentials;
            return this;
        }

        /** Sign in with what {@code docker login} stored for this registry, if anything. */
        public Builder credentialsFrom(DockerConfig config) {
            this.dockerConfig = config;
            return this;
        }

        /**
         * Plain HTTP for a registry that is not on this machine. Loopback registries (localhost,
         * 127.0.0.0/8, ::1) always use plain HTTP, as dockerd treats them as insecure registries.
         */
        public Builder insecure(boolean insecure) {
            this.insecure = insecure;
            return this;
        }

        public Builder userAgent(String userAgent) {
            this.userAgent = userAgent;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /**
         * How many times a call that failed transiently (no answer, 5xx, 429) is tried; 1 for a
         * caller that has something better to do than wait, such as a cache with a stale copy.
         */
        public Builder attempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be at least 1, not " + attempts);
            }
            this.attempts = attempts;
            return this;
        }

        /** How long to wait for a response's status and headers (not for the body of a blob). */
        public Builder answerTimeout(Duration answerTimeout) {
            this.answerTimeout = answerTimeout;
            return this;
        }

        public RegistryClient build() {
            return new RegistryClient(this);
        }
    }

    static URI baseUri(String registry, boolean insecure) {
        String host = registry.equals(ImageReference.DOCKER_HUB) ? DOCKER_HUB_API : registry;
        boolean plain = insecure || isLoopback(registry);
        return URI.create((plain ? "http://" : "https://") + host);
    }

    /** Whether the registry is on this machine by name or address; no DNS lookup. */
    static boolean isLoopback(String registry) {
        String host;
        if (registry.startsWith("[")) {
            host = registry.substring(1, registry.indexOf(']'));
        } else {
            int colon = registry.indexOf(':');
            host = colon < 0 ? registry : registry.substring(0, colon);
        }
        host = host.toLowerCase(Locale.ROOT);
        return host.equals("localhost") || IPV4_LOOPBACK.matcher(host).matches()
                || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1");
    }

    public String registry() {
        return registry;
    }

    /** The registry's API root, e.g. {@code http://127.0.0.1:5000} or {@code https://registry-1.docker.io}. */
    public URI baseUri() {
        return caller.base();
    }

    /**
     * GETs a manifest or index by tag or digest, accepting the OCI and Docker v2 formats. A digest
     * reference is verified against the bytes, and so is the digest the registry claims.
     */
    public ManifestResponse fetchManifest(RepositoryName repository, String reference) {
        return caller.call(new ManifestPull(registry, repository, RegistryPaths.checkedReference(reference)));
    }

    /** HEADs a manifest: its descriptor, or empty when the registry does not have it. */
    public Optional<Descriptor> headManifest(RepositoryName repository, String reference) {
        String checked = RegistryPaths.checkedReference(reference);
        Optional<ManifestHead.Answer> answer = caller.call(new ManifestHead(registry, repository, checked));
        if (answer.isEmpty()) {
            return Optional.empty();
        }
        if (answer.get().digest() == null || answer.get().mediaType() == null || answer.get().size() < 0) {
            // The registry did not say enough: the body tells the rest.
            ManifestResponse manifest = fetchManifest(repository, checked);
            return Optional.of(Descriptor.of(manifest.mediaType(), manifest.digest(), manifest.body().length));
        }
        return answer.map(ManifestHead::descriptor);
    }

    /** The blob's size when the repository has it (HEAD), empty when not. */
    public Optional<Long> blobSize(RepositoryName repository, Digest digest) {
        return caller.call(new BlobHead(registry, repository, digest, Scopes.pull(repository)));
    }

    /**
     * The blob's bytes as a stream, never held in memory. Redirects are followed, without our
     * credentials when they lead to another host. At the end of the stream the bytes are checked:
     * a read then throws {@link BlobDigestMismatchException} instead of reporting the end when they
     * are not the blob asked for.
     */
    public InputStream openBlob(RepositoryName repository, Digest digest) {
        return caller.call(new BlobPull(registry, repository, digest, true));
    }

    /**
     * {@link #openBlob} without the digest check, for a caller that hashes the bytes anyway and
     * checks them itself before using them (a pull-through cache storing them through a
     * {@code UploadWriter}, whose commit verifies): each byte is then hashed once, not twice.
     */
    public InputStream openBlobUnchecked(RepositoryName repository, Digest digest) {
        return caller.call(new BlobPull(registry, repository, digest, false));
    }

    /**
     * Downloads a blob to {@code target}: into a temporary sibling first, verified, then moved
     * into place atomically, so {@code target} is either absent or complete and correct. An
     * interrupted download starts over; a digest mismatch is an error with code DIGEST_INVALID.
     */
    public void fetchBlob(RepositoryName repository, Digest digest, Path target) {
        Path directory = target.toAbsolutePath().getParent();
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory, e);
        }
        caller.retrying(() -> {
            downloadOnce(repository, digest, target.toAbsolutePath());
            return null;
        });
    }

    private void downloadOnce(RepositoryName repository, Digest digest, Path target) {
        Path temporary;
        try {
            temporary = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".part");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary file beside " + target, e);
        }
        try (InputStream blob = openBlob(repository, digest);
             OutputStream out = Files.newOutputStream(temporary)) {
            copy(blob, out, repository, digest, temporary);
            out.close();
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write blob " + digest + " to " + target, e);
        } finally {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // left behind as a hidden .part file; nothing refers to it
            }
        }
    }

    /** Read failures are the registry's (retried); write failures are ours (not). */
    private void copy(InputStream blob, OutputStream out, RepositoryName repository, Digest digest, Path temporary)
            throws IOException {
        byte[] buffer = new byte[256 * 1024];
        while (true) {
            int n;
            try {
                n = blob.read(buffer);
            } catch (BlobDigestMismatchException e) {
                throw new RegistryClientException(e.getMessage(), 200, "DIGEST_INVALID", e);
            } catch (IOException e) {
                throw new RegistryUnreachableException("download of blob " + digest + " from " + registry + "/"
                        + repository + " broke off: " + RegistryCaller.describe(e), e);
            }
            if (n < 0) {
                return;
            }
            out.write(buffer, 0, n);
        }
    }

    /**
     * Mounts a blob from another repository of this registry. True when it was mounted (201);
     * false when the registry started an upload instead (the blob is not there or not readable
     * for us), in which case the session is cancelled and the caller pushes the blob.
     */
    public boolean mountBlob(RepositoryName repository, Digest digest, RepositoryName from) {
        return pusher.mount(repository, digest, from);
    }

    /**
     * Pushes a blob from a file, streamed: nothing when the registry has it already, else one
     * POST and one PUT {@code ?digest=} with the file as body; chunked PATCHes when the registry
     * refuses that.
     */
    public void pushBlob(RepositoryName repository, Digest digest, long size, Path file) {
        long actual;
        try {
            actual = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read blob file " + file, e);
        }
        if (actual != size) {
            throw new IllegalArgumentException("blob file " + file + " has " + actual + " bytes, not " + size);
        }
        pusher.push(repository, digest, BlobPusher.of(file, size));
    }

    /** Pushes a small blob (a config, a cache record) held in memory. */
    public void pushBlob(RepositoryName repository, Digest digest, byte[] content) {
        pusher.push(repository, digest, BlobPusher.of(content));
    }

    /**
     * PUTs a manifest or index under a tag or digest; returns the digest the registry reports
     * (Docker-Content-Digest), or the sha256 of {@code body} when it reports none.
     */
    public Digest pushManifest(RepositoryName repository, String reference, String mediaType, byte[] body) {
        return caller.call(new ManifestPush(registry, repository, RegistryPaths.checkedReference(reference),
                mediaType, body));
    }

    /** All tags of a repository, following Link pagination; empty when the registry does not know it. */
    public List<String> listTags(RepositoryName repository) {
        return listTags(repository, 0);
    }

    /** As {@link #listTags(RepositoryName)}, asking for pages of {@code pageSize} tags (0: the registry's choice). */
    public List<String> listTags(RepositoryName repository, int pageSize) {
        List<String> tags = new ArrayList<>();
        Set<URI> seen = new HashSet<>();
        URI page = RegistryPaths.tags(caller.base(), repository, pageSize);
        while (page != null) {
            if (!seen.add(page) || seen.size() > MAX_TAG_PAGES) {
                throw new RegistryClientException("list tags of " + registry + "/" + repository
                        + ": the registry's pagination does not end (" + page + ")", 200, null);
            }
            TagListPage.Page answer = caller.call(new TagListPage(registry, repository, page));
            tags.addAll(answer.tags());
            page = answer.next();
        }
        return tags;
    }

    /** For tests of the chunked upload, which this registry's server never makes necessary. */
    BlobPusher pusher() {
        return pusher;
    }

    /** The Authorization header this client would send for {@code scopes}; for tests. */
    Optional<String> authorizationFor(Set<String> scopes) {
        return authenticator.authorization(scopes);
    }

    /** The scope sets this client holds tokens for; for tests of the token cache. */
    Set<String> tokenScopeSets() {
        return authenticator.cachedScopeSets();
    }

    @Override
    public void close() {
        http.close();
    }
}
