package io.stevedore.builder.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/**
 * `--secret` values as host files the sandbox can bind read-only for one step. Secrets from
 * environment variables are written to a 0400 file in memory-backed /dev/shm when it exists, and
 * removed when the build ends. Nothing here ever enters a cache key, a layer or a log.
 */
final class Secrets implements AutoCloseable {
    private final Map<String, BuildRequest.SecretSource> sources;
    private final LayerStore store;
    private final Map<String, Path> files = new HashMap<>();
    private final Map<String, Path> owned = new HashMap<>();
    private final java.util.function.Function<String, String> environment;

    Secrets(Map<String, BuildRequest.SecretSource> sources, LayerStore store,
            java.util.function.Function<String, String> environment) {
        this.sources = sources;
        this.store = store;
        this.environment = environment;
    }

    /** The file holding secret `id`, or null when the build was given no such secret. */
    synchronized Path file(String id) {
        Path existing = files.get(id);
        if (existing != null) {
            return existing;
        }
        BuildRequest.SecretSource source = sources.get(id);
        if (source == null) {
            return null;
        }
        Path file;
        if (source.file() != null) {
            file = source.file().toAbsolutePath();
            if (!Files.isRegularFile(file)) {
                throw new BuildException("secret " + id + ": file " + file + " not found");
            }
        } else {
            String value = environment.apply(source.environmentVariable());
            if (value == null) {
                throw new BuildException("secret " + id + ": environment variable " + source.environmentVariable() + " is not set");
            }
            try {
                Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : store.newScratchDir("secret-");
                file = Files.createTempFile(dir, "stevedore-secret-", "",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, value, StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
            } catch (IOException e) {
                throw new BuildException("secret " + id + ": " + e.getMessage(), e);
            }
            owned.put(id, file);
        }
        files.put(id, file);
        return file;
    }

    @Override
    public synchronized void close() {
        owned.values().forEach(LayerStore::deleteQuietly);
        owned.clear();
        files.clear();
    }
}
