package io.stevedore.registry.builds;

import io.stevedore.oci.Digest;
import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.api.RequestBodies;
import io.stevedore.storage.BlobNotFoundException;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.UploadIds;
import io.stevedore.storage.UploadWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.springframework.stereotype.Component;

/**
 * Build contexts: tar or tar.gz archives streamed into the blob store under their digest (any
 * replica, and any worker through it, can read them back), and the checks a submission makes on
 * one before it is queued: no hostile entry, the Dockerfile present, the target stage in it.
 */
@Component
class BuildContexts {
    /** A Dockerfile larger than this is not read for its stage names (the worker still reads it). */
    private static final int MAX_DOCKERFILE = 1024 * 1024;
    /** {@code FROM [--platform=..] image AS name}, after continuations are joined. */
    private static final Pattern STAGE = Pattern.compile("(?im)^\\s*FROM\\s+(?:--\\S+\\s+)*\\S+\\s+AS\\s+(\\S+)\\s*$");

    private final BlobStore blobs;

    BuildContexts(BlobStore blobs) {
        this.blobs = blobs;
    }

    /** Stores the archive; its digest. @throws ApiException 413 past {@code maxBytes} */
    Digest store(InputStream body, long maxBytes) throws IOException {
        MessageDigest sha256 = Digest.newMessageDigest("sha256");
        UploadWriter writer = blobs.upload(UploadIds.newId());
        try (writer) {
            writer.append(new DigestInputStream(RequestBodies.limited(body, maxBytes, "the build context",
                    "registry.builds.max-context-size"), sha256));
            Digest digest = Digest.fromMessageDigest("sha256", sha256);
            writer.commit(digest);
            return digest;
        } catch (IOException | RuntimeException e) {
            try {
                writer.cancel();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    InputStream open(Digest context) throws IOException {
        return blobs.read(context, 0);
    }

    /**
     * Reads the context once: refuses hostile entries, finds the Dockerfile and, with a target,
     * checks the Dockerfile names that stage. @throws ApiException 400 saying what is wrong
     */
    void inspect(Digest context, String dockerfile, String target) {
        String dockerfileText = null;
        boolean found = false;
        try (InputStream raw = open(context);
             TarArchiveInputStream tar = new TarArchiveInputStream(RequestBodies.decompressed(raw))) {
            Set<String> names = new HashSet<>();
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = checkedName(entry.getName());
                checkEntry(entry, name, names);
                names.add(name);
                if (name.equals(dockerfile)) {
                    found = true;
                    if (entry.isFile() && entry.getSize() <= MAX_DOCKERFILE) {
                        dockerfileText = new String(tar.readNBytes((int) entry.getSize()), StandardCharsets.UTF_8);
                    }
                }
            }
        } catch (BlobNotFoundException e) {
            throw ApiException.badRequest("no uploaded context " + context + " (POST /api/v1/builds/contexts first)");
        } catch (IOException | IllegalArgumentException e) {
            throw ApiException.badRequest("the context is not a readable tar or tar.gz archive: " + e.getMessage());
        }
        if (!found) {
            throw ApiException.badRequest("the context has no Dockerfile at " + dockerfile);
        }
        if (target != null && dockerfileText != null) {
            List<String> stages = stages(dockerfileText);
            if (stages.stream().noneMatch(stage -> stage.equalsIgnoreCase(target))) {
                throw ApiException.badRequest("target stage \"" + target + "\" is not in " + dockerfile
                        + (stages.isEmpty() ? " (it names no stage)" : " (its stages: " + String.join(", ", stages) + ")"));
            }
        }
    }

    static List<String> stages(String dockerfile) {
        String joined = dockerfile.replaceAll("\\\\\\r?\\n", " ");
        List<String> stages = new ArrayList<>();
        Matcher matcher = STAGE.matcher(joined);
        while (matcher.find()) {
            stages.add(matcher.group(1).toLowerCase(Locale.ROOT));
        }
        return stages;
    }

    /** The entry's name without a leading {@code ./}; absolute names and '..' are refused. */
    private static String checkedName(String raw) {
        String name = raw;
        while (name.startsWith("./")) {
            name = name.substring(2);
        }
        if (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.startsWith("/")) {
            throw hostile(raw, "absolute path");
        }
        for (String segment : name.split("/")) {
            if (segment.equals("..")) {
                throw hostile(raw, "'..' leaves the context");
            }
        }
        return name;
    }

    private static void checkEntry(TarArchiveEntry entry, String name, Set<String> earlier) {
        if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
            throw hostile(entry.getName(), "devices and fifos have no place in a build context");
        }
        if (entry.isSymbolicLink()) {
            String target = entry.getLinkName();
            if (!target.startsWith("/") && escapes(name, target)) {
                throw hostile(entry.getName(), "symbolic link to " + target + " leaves the context");
            }
        } else if (entry.isLink()) {
            String target = checkedName(entry.getLinkName());
            if (!earlier.contains(target)) {
                throw hostile(entry.getName(), "hard link to " + entry.getLinkName() + ", which is not in the archive before it");
            }
        }
    }

    /** Whether a relative link target, resolved from the link's directory, climbs above the root. */
    static boolean escapes(String linkName, String target) {
        int depth = linkName.split("/").length - 1;
        for (String segment : target.split("/")) {
            if (segment.equals("..")) {
                depth--;
            } else if (!segment.isEmpty() && !segment.equals(".")) {
                depth++;
            }
            if (depth < 0) {
                return true;
            }
        }
        return false;
    }

    private static ApiException hostile(String entry, String why) {
        return ApiException.badRequest("the context archive has a hostile entry " + entry + ": " + why);
    }

}
