package io.stevedore.builder.engine;

import io.stevedore.builder.context.SourceFilter;
import io.stevedore.builder.dockerfile.Heredoc;
import io.stevedore.builder.dockerfile.ShellWords;
import io.stevedore.builder.dockerfile.Stage;
import io.stevedore.builder.files.FileTrees;
import io.stevedore.builder.files.RootPaths;
import io.stevedore.client.ImageReference;
import io.stevedore.oci.Digest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Where COPY and ADD read from: the build context, another stage or image (mounted read-only),
 * heredoc bodies, or downloaded URLs; and the identity of those sources for the cache key
 * (content hashes, not timestamps).
 */
final class CopySources {
    private final BuildSession session;
    private final StageExecutor stages;
    private final LayerSteps layerSteps;

    CopySources(BuildSession session, StageExecutor stages, LayerSteps layerSteps) {
        this.session = session;
        this.stages = stages;
        this.layerSteps = layerSteps;
    }

    /**
     * The sources of one COPY/ADD: their identity for the cache key at once, their paths only when
     * the step actually runs (a cache hit never walks the context twice nor mounts another stage).
     * Closing unmounts what opening mounted and removes scratch files.
     */
    static final class Resolved implements AutoCloseable {
        private final String identity;
        private final SourceFilter filter;
        private final boolean fromImage;
        private final Set<Path> downloaded;
        private final Function<List<AutoCloseable>, List<Path>> opener;
        private final List<AutoCloseable> cleanups = new ArrayList<>();
        private List<Path> paths;

        Resolved(String identity, SourceFilter filter, boolean fromImage, Set<Path> downloaded,
                 Function<List<AutoCloseable>, List<Path>> opener, AutoCloseable cleanup) {
            this.identity = identity;
            this.filter = filter;
            this.fromImage = fromImage;
            this.downloaded = downloaded;
            this.opener = opener;
            cleanups.add(cleanup);
        }

        String identity() {
            return identity;
        }

        SourceFilter filter() {
            return filter;
        }

        /** Whether the sources come from another stage or image, whose owners COPY keeps. */
        boolean fromImage() {
            return fromImage;
        }

        Set<Path> downloaded() {
            return downloaded;
        }

        List<Path> paths() {
            if (paths == null) {
                paths = opener.apply(cleanups);
            }
            return paths;
        }

        @Override
        public void close() {
            for (int i = cleanups.size() - 1; i >= 0; i--) {
                try {
                    cleanups.get(i).close();
                } catch (Exception ignored) {
                    // cleanup is best effort: scratch space is removed with the work dir anyway
                }
            }
        }
    }

    Resolved resolve(List<String> rawSources, List<Heredoc> heredocs, String from, StageState state, Stage stage) {
        Function<String, String> lookup = state.lookup();
        if (!LayerSteps.heredocs(heredocs).isEmpty()) {
            return heredocFiles(heredocs, lookup, state.escape);
        }
        List<String> patterns = new ArrayList<>();
        for (String raw : rawSources) {
            patterns.add(ShellWords.word(raw, lookup, state.escape));
        }
        if (from != null) {
            return fromStageOrImage(from, patterns, state, stage);
        }
        Digest hash = session.context.contentHash(patterns);
        return new Resolved("context " + String.join("\u0000", patterns) + " " + hash, session.context.filter(), false,
                Set.of(), cleanups -> session.context.resolveSources(patterns), () -> { });
    }

    Resolved resolveForAdd(List<String> rawSources, List<Heredoc> heredocs, String checksum, StageState state, Stage stage) {
        Function<String, String> lookup = state.lookup();
        List<String> urls = new ArrayList<>();
        List<String> local = new ArrayList<>();
        for (String raw : rawSources) {
            String source = ShellWords.word(raw, lookup, state.escape);
            if (source.startsWith("http://") || source.startsWith("https://")) {
                urls.add(source);
            } else if (source.startsWith("git@") || source.endsWith(".git")) {
                throw new BuildException("ADD " + source + ": git sources are not supported by this builder; clone in a RUN step");
            } else {
                local.add(source);
            }
        }
        if (checksum != null && (urls.size() != 1 || !local.isEmpty())) {
            throw new BuildException("ADD --checksum needs exactly one remote URL source");
        }
        if (urls.isEmpty()) {
            return resolve(rawSources, heredocs, null, state, stage);
        }
        Path dir = session.layers.newScratchDir("add-");
        List<Path> paths = new ArrayList<>();
        Set<Path> downloaded = new HashSet<>();
        StringBuilder identity = new StringBuilder("add");
        for (String url : urls) {
            RemoteFiles.Download download = RemoteFiles.download(url, dir, checksum);
            paths.add(download.file());
            downloaded.add(download.file());
            identity.append(' ').append(url).append(' ').append(download.digest());
        }
        if (!local.isEmpty()) {
            identity.append(" context ").append(String.join("\u0000", local)).append(' ')
                    .append(session.context.contentHash(local));
        }
        return new Resolved(identity.toString(), session.context.filter(), false, downloaded, cleanups -> {
            List<Path> all = new ArrayList<>(paths);
            if (!local.isEmpty()) {
                all.addAll(session.context.resolveSources(local));
            }
            return all;
        }, () -> FileTrees.deleteQuietly(dir));
    }

    private Resolved heredocFiles(List<Heredoc> heredocs, Function<String, String> lookup, char escape) {
        Path dir = session.layers.newScratchDir("heredoc-");
        List<Path> paths = new ArrayList<>();
        StringBuilder identity = new StringBuilder("heredoc");
        try {
            for (Heredoc heredoc : heredocs) {
                String content = heredoc.expand() ? ShellWords.heredocBody(heredoc.content(), lookup, escape) : heredoc.content();
                if (heredoc.name().contains("/") || heredoc.name().equals("..") || heredoc.name().equals(".")) {
                    throw new BuildException("heredoc name \"" + heredoc.name() + "\" cannot be a file name");
                }
                Path file = dir.resolve(heredoc.name());
                Files.writeString(file, content, StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                paths.add(file);
                identity.append(' ').append(heredoc.name()).append(' ')
                        .append(Digest.sha256(content.getBytes(StandardCharsets.UTF_8)));
            }
        } catch (IOException e) {
            FileTrees.deleteQuietly(dir);
            throw new UncheckedIOException(e);
        }
        return new Resolved(identity.toString(), SourceFilter.ALL, false, Set.of(), cleanups -> paths,
                () -> FileTrees.deleteQuietly(dir));
    }

    private Resolved fromStageOrImage(String from, List<String> patterns, StageState state, Stage stage) {
        StageExecutor.StageResult other = stages.stageNamed(from, stage.index());
        List<LayerRef> layers;
        String identity;
        if (other != null) {
            layers = other.layers();
            identity = "stage " + other.cacheKey();
        } else {
            BaseImages.BaseImage image = session.baseImages.resolve(ImageReference.parse(from, session.defaultRegistry),
                    state.platform);
            layers = image.layers();
            identity = "image " + image.manifestDigest();
        }
        return new Resolved(identity + " " + String.join("\u0000", patterns), SourceFilter.ALL, true, Set.of(),
                cleanups -> {
                    Path root = layerSteps.mountReadOnly(layers, cleanups);
                    List<Path> paths = new ArrayList<>();
                    for (String pattern : patterns) {
                        paths.addAll(match(root, pattern, from));
                    }
                    return paths;
                }, () -> { });
    }

    /** A source path inside another stage's root; globs allowed in the last component. */
    private static List<Path> match(Path root, String pattern, String from) {
        String clean = StageExecutor.normalise(pattern.startsWith("/") ? pattern : "/" + pattern);
        int slash = clean.lastIndexOf('/');
        String parent = slash <= 0 ? "/" : clean.substring(0, slash);
        String name = clean.substring(slash + 1);
        if (name.isEmpty()) {
            return List.of(root);
        }
        if (!(name.contains("*") || name.contains("?") || name.contains("["))) {
            Path path = RootPaths.resolve(root, clean);
            if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new BuildException("COPY --from=" + from + ": \"" + clean + "\" not found");
            }
            return List.of(path);
        }
        Path dir = RootPaths.resolve(root, parent);
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + name);
        List<Path> matches = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path entry : entries) {
                    if (matcher.matches(entry.getFileName())) {
                        matches.add(entry);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (matches.isEmpty()) {
            throw new BuildException("COPY --from=" + from + ": no source files match \"" + clean + "\"");
        }
        matches.sort(null);
        return matches;
    }
}
