package io.stevedore.builder.engine;

import io.stevedore.builder.context.ArchiveUnpacker;
import io.stevedore.builder.context.FileCopier;
import io.stevedore.builder.context.Ownership;
import io.stevedore.builder.context.SourceFilter;
import io.stevedore.builder.dockerfile.Heredoc;
import io.stevedore.builder.dockerfile.Instruction;
import io.stevedore.builder.dockerfile.ShellWords;
import io.stevedore.builder.dockerfile.Stage;
import io.stevedore.builder.files.FileTrees;
import io.stevedore.builder.layers.CapabilityLossException;
import io.stevedore.builder.layers.LayerBlob;
import io.stevedore.builder.layers.LayerWriter;
import io.stevedore.builder.sandbox.OverlayMount;
import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The steps that produce layers (RUN, COPY, ADD): each computes its cache key, takes the cached
 * result when there is one, and otherwise mounts the stage's layers as an overlay, changes the
 * merged view, and turns the overlay's upper directory into the new layer, with no filesystem
 * scan and no copy of the lower layers.
 */
final class LayerSteps {
    private final BuildSession session;
    private final RunStep runStep;
    private final CopySources copySources;

    LayerSteps(BuildSession session, StageExecutor stages) {
        this.session = session;
        this.runStep = new RunStep(session, stages, this);
        this.copySources = new CopySources(session, stages, this);
    }

    RunStep runStep() {
        return runStep;
    }

    void run(Instruction.Run run, StageState state, Stage stage, String title) {
        runStep.execute(run, state, stage, title);
    }

    /** A COPY's options expanded in the stage's variables; the sources are resolved separately. */
    private record CopyOptions(String destination, String chown, Integer chmod, String from) {
        static CopyOptions of(Instruction.Copy copy, StageState state) {
            Function<String, String> lookup = state.lookup();
            String destination = LayerSteps.destination(copy.destination(), state);
            String chown = copy.chown() == null ? null : ShellWords.word(copy.chown(), lookup, state.escape);
            Integer chmod = LayerSteps.chmod(copy.chmod(), state);
            String from = copy.from() == null ? null : ShellWords.word(copy.from(), lookup, state.escape);
            return new CopyOptions(destination, chown, chmod, from);
        }

        /** The stage's key chained with the sources' identity (content hashes), destination, owner, mode and --link. */
        Digest key(StageState state, CopySources.Resolved sources, boolean link) {
            return CacheKeys.chain(state.cacheKey, "COPY", sources.identity(), destination,
                    String.valueOf(chown), String.valueOf(chmod), String.valueOf(link));
        }
    }

    /** The cache key {@link #copy} would look up, worked out without running anything. */
    Digest copyKey(Instruction.Copy copy, StageState state, Stage stage) {
        CopyOptions options = CopyOptions.of(copy, state);
        try (CopySources.Resolved sources = copySources.resolve(copy.sources(), copy.heredocs(), options.from(), state, stage)) {
            return options.key(state, sources, copy.link());
        }
    }

    void copy(Instruction.Copy copy, StageState state, Stage stage, String title) {
        CopyOptions options = CopyOptions.of(copy, state);
        String destination = options.destination();
        String chown = options.chown();
        Integer chmod = options.chmod();
        Progress.Step step = session.progress.step(title);
        try (CopySources.Resolved sources = copySources.resolve(copy.sources(), copy.heredocs(), options.from(), state, stage)) {
            Digest key = options.key(state, sources, copy.link());
            String createdBy = "COPY " + String.join(" ", copy.sources()) + " " + copy.destination() + " # buildkit";
            produce(state, key, createdBy, step, merged -> {
                Ownership owner = chown == null ? null : Accounts.resolve(chown, merged);
                boolean preserve = chown == null && sources.fromImage();
                FileCopier.copy(sources.paths(), sources.filter(), merged, destination,
                        owner == null && !preserve ? new Ownership(0, 0) : owner, chmod, preserve);
            });
        }
    }

    void add(Instruction.Add add, StageState state, Stage stage, String title) {
        Function<String, String> lookup = state.lookup();
        String destination = destination(add.destination(), state);
        String chown = add.chown() == null ? null : ShellWords.word(add.chown(), lookup, state.escape);
        Integer chmod = chmod(add.chmod(), state);
        String checksum = add.checksum() == null ? null : ShellWords.word(add.checksum(), lookup, state.escape);
        Progress.Step step = session.progress.step(title);
        try (CopySources.Resolved sources = copySources.resolveForAdd(add.sources(), add.heredocs(), checksum, state, stage)) {
            Digest key = CacheKeys.chain(state.cacheKey, "ADD", sources.identity(), destination,
                    String.valueOf(chown), String.valueOf(chmod));
            String createdBy = "ADD " + String.join(" ", add.sources()) + " " + add.destination() + " # buildkit";
            produce(state, key, createdBy, step, merged -> {
                Ownership owner = chown == null ? new Ownership(0, 0) : Accounts.resolve(chown, merged);
                for (int i = 0; i < sources.paths().size(); i++) {
                    Path source = sources.paths().get(i);
                    boolean local = !sources.downloaded().contains(source);
                    if (local && Files.isRegularFile(source) && ArchiveUnpacker.unpackIfArchive(source, merged, destination,
                            chown == null ? null : owner)) {
                        continue;
                    }
                    String target = destination;
                    if (sources.paths().size() > 1 && !target.endsWith("/")) {
                        target = target + "/";
                    }
                    FileCopier.copy(List.of(source), local ? sources.filter() : SourceFilter.ALL, merged, target, owner, chmod, false);
                }
            });
        }
    }

    /** A change made through the merged view of an overlay; whatever it writes becomes the layer. */
    interface FilesystemChange {
        void apply(Path merged) throws IOException;
    }

    /** Takes the cached result for {@code key}, or applies the change on an overlay and records a new layer. */
    void produce(StageState state, Digest key, String createdBy, Progress.Step step, FilesystemChange change) {
        if (!session.request.noCache()) {
            Optional<BuildCache.Entry> cached = session.cache.lookup(key);
            if (cached.isPresent()) {
                apply(state, key, cached.get());
                step.cached();
                return;
            }
        }
        Path stepDir = session.layers.newScratchDir("step-");
        try {
            Path upper = Files.createDirectory(stepDir.resolve("u"));
            Path work = Files.createDirectory(stepDir.resolve("w"));
            Path merged = Files.createDirectory(stepDir.resolve("m"));
            List<Path> lowers = lowerDirs(state.layers);
            try (OverlayMount mount = OverlayMount.mount(lowers, upper, work, merged)) {
                change.apply(mount.merged());
            }
            LayerBlob blob = LayerWriter.write(upper, session.layers.newScratchFile("layer-"), session.layerOptions);
            session.layers.adopt(upper, blob);
            Instant created = session.request.sourceDateEpoch() != null ? session.request.sourceDateEpoch() : Instant.now();
            LayerRef layer = new LayerRef(Descriptor.of(blob.mediaType(), blob.digest(), blob.size()), blob.diffId(),
                    session.cache.repository().registry(), session.cache.repository().repository());
            BuildCache.Entry entry = new BuildCache.Entry(List.of(layer), created, createdBy);
            session.remember(key, entry);
            apply(state, key, entry);
            step.done();
        } catch (CapabilityLossException e) {
            throw new BuildException(e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            FileTrees.deleteQuietly(stepDir);
        }
    }

    /**
     * Mounts {@code layersBottomFirst} read-only (another stage's or image's filesystem) and returns
     * the mount point; the unmount and scratch removal are added to {@code cleanups}.
     */
    Path mountReadOnly(List<LayerRef> layersBottomFirst, List<AutoCloseable> cleanups) {
        Path dir = session.layers.newScratchDir("ro-");
        cleanups.add(() -> FileTrees.deleteQuietly(dir));
        try {
            OverlayMount mount = OverlayMount.mountReadOnly(lowerDirs(layersBottomFirst), Files.createDirectory(dir.resolve("m")));
            cleanups.add(mount);
            return mount.merged();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The extracted directories of the layers, top first as overlayfs wants them, fetching any this machine lacks. */
    List<Path> lowerDirs(List<LayerRef> layersBottomFirst) {
        List<Path> dirs = new ArrayList<>();
        for (int i = layersBottomFirst.size() - 1; i >= 0; i--) {
            dirs.add(session.layers.extracted(layersBottomFirst.get(i), session.registries));
        }
        return dirs;
    }

    private static void apply(StageState state, Digest key, BuildCache.Entry entry) {
        for (LayerRef layer : entry.layers()) {
            state.layers.add(layer);
            state.config.addLayer(layer.diffId());
        }
        state.config.addHistory(entry.created(), entry.createdBy(), entry.layers().isEmpty(), "buildkit.dockerfile.v0");
        state.cacheKey = key;
        state.lastTime = entry.created();
    }

    /** COPY/ADD destination: expanded, relative to WORKDIR, keeping a trailing slash (it means "a directory"). */
    private static String destination(String raw, StageState state) {
        String dest = ShellWords.word(raw, state.lookup(), state.escape);
        boolean directory = dest.endsWith("/") || dest.equals(".") || dest.endsWith("/.");
        String absolute = dest.startsWith("/") ? dest : StageExecutor.join(state.config.workingDir(), dest);
        String clean = StageExecutor.normalise(absolute);
        return directory && !clean.equals("/") ? clean + "/" : clean;
    }

    private static Integer chmod(String raw, StageState state) {
        if (raw == null) {
            return null;
        }
        String text = ShellWords.word(raw, state.lookup(), state.escape);
        try {
            int mode = Integer.parseInt(text, 8);
            if (mode < 0 || mode > 07777) {
                throw new NumberFormatException();
            }
            return mode;
        } catch (NumberFormatException e) {
            throw new BuildException("invalid --chmod=" + text + ": expected an octal mode such as 755");
        }
    }

    static List<Heredoc> heredocs(List<Heredoc> heredocs) {
        return heredocs == null ? List.of() : heredocs;
    }
}
