package io.stevedore.client;

import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Pushes one blob: nothing when the repository has it; else one upload session completed by a
 * single PUT carrying the whole blob, streamed from its source; and, for registries that refuse
 * such a PUT, a new session fed by PATCHes of one chunk each. A transient failure restarts the
 * whole upload, since a broken PUT can leave its session unusable.
 */
final class BlobPusher {
    /** Chunks for registries that refuse monolithic PUTs: large enough for few round trips. */
    static final long DEFAULT_CHUNK = 16L * 1024 * 1024;
    /** Statuses with which a registry says "not like this" to a body on the completing PUT. */
    private static final Set<Integer> MONOLITHIC_REFUSED = Set.of(405, 411, 413, 415, 501);

    /** Where a blob's bytes come from: a file or an array, each able to start over or give a slice. */
    interface Source {
        long size();

        BodyPublisher whole();

        BodyPublisher slice(long offset, long length);
    }

    static Source of(Path file, long size) {
        return new Source() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public BodyPublisher whole() {
                try {
                    return BodyPublishers.ofFile(file);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read blob file " + file, e);
                }
            }

            @Override
            public BodyPublisher slice(long offset, long length) {
                return BodyPublishers.fromPublisher(BodyPublishers.ofInputStream(() -> {
                    try {
                        InputStream in = Files.newInputStream(file);
                        in.skipNBytes(offset);
                        return new Limited(in, length);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot read blob file " + file, e);
                    }
                }), length);
            }
        };
    }

    static Source of(byte[] content) {
        return new Source() {
            @Override
            public long size() {
                return content.length;
            }

            @Override
            public BodyPublisher whole() {
                return BodyPublishers.ofByteArray(content);
            }

            @Override
            public BodyPublisher slice(long offset, long length) {
                return BodyPublishers.ofByteArray(content, (int) offset, (int) length);
            }
        };
    }

    private final RegistryCaller caller;

    BlobPusher(RegistryCaller caller) {
        this.caller = caller;
    }

    void push(RepositoryName repository, Digest digest, Source source) {
        String registry = caller.registry();
        if (caller.call(new BlobHead(registry, repository, digest, Scopes.push(repository))).isPresent()) {
            return;
        }
        caller.retrying(() -> {
            URI location = start(repository);
            try {
                caller.call(new UploadPut(registry, repository, digest, location, source::whole));
            } catch (RegistryClientException e) {
                cancelQuietly(repository, location);
                if (!MONOLITHIC_REFUSED.contains(e.status())) {
                    throw e;
                }
                pushInChunks(repository, digest, source, DEFAULT_CHUNK);
            }
            return null;
        });
    }

    private URI start(RepositoryName repository) {
        UploadStart.Started started = caller.call(new UploadStart(caller.registry(), repository));
        return started.location();
    }

    /** A session fed by PATCHes of {@code chunkSize} bytes (or the registry's minimum), then an empty PUT. */
    void pushInChunks(RepositoryName repository, Digest digest, Source source, long chunkSize) {
        UploadStart.Started started = caller.call(new UploadStart(caller.registry(), repository));
        long chunk = Math.max(chunkSize, started.minChunk().orElse(0));
        URI location = started.location();
        try {
            for (long offset = 0; offset < source.size(); offset += chunk) {
                long length = Math.min(chunk, source.size() - offset);
                long from = offset;
                Supplier<HttpRequest.BodyPublisher> slice = () -> source.slice(from, length);
                location = caller.call(new UploadPatch(caller.registry(), repository, location, offset, length, slice));
            }
            caller.call(new UploadPut(caller.registry(), repository, digest, location, BodyPublishers::noBody));
        } catch (RuntimeException e) {
            cancelQuietly(repository, location);
            throw e;
        }
    }

    /** Mounts {@code digest} from {@code from}; a declined mount's session is cancelled, not left open. */
    boolean mount(RepositoryName repository, Digest digest, RepositoryName from) {
        return caller.retrying(() -> {
            UploadStart.Started started = caller.call(new UploadStart(caller.registry(), repository, digest, from));
            if (!started.mounted()) {
                cancelQuietly(repository, started.location());
            }
            return started.mounted();
        });
    }

    private void cancelQuietly(RepositoryName repository, URI location) {
        try {
            caller.call(new UploadCancel(caller.registry(), repository, location));
        } catch (RegistryClientException ignored) {
            // best effort: the registry's janitor removes abandoned sessions anyway
        }
    }

    /** At most {@code remaining} bytes of a stream: one chunk of a file. */
    private static final class Limited extends FilterInputStream {
        private long remaining;

        Limited(InputStream in, long limit) {
            super(in);
            this.remaining = limit;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = super.read(buffer, offset, (int) Math.min(length, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }
    }
}
