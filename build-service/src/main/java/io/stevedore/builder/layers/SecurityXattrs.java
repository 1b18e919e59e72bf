package io.stevedore.builder.layers;

import io.stevedore.builder.host.SearchPath;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * security.capability is the one non-user extended attribute a layer must carry (ping, for one,
 * relies on it), and the JDK can reach only user.* attributes. So it goes through getfattr/setfattr
 * (Debian package attr): ONE process per layer, never one per file. The tools are looked up on an
 * injected {@link SearchPath} before use, so a missing one is a clear decision here (see
 * {@link CapabilityLossException}) rather than a failed process start somewhere below.
 */
final class SecurityXattrs {
    static final String CAPABILITY = "security.capability";
    static final String GETFATTR = "getfattr";
    static final String SETFATTR = "setfattr";
    private static final SecurityXattrs ON_THIS_HOST = new SecurityXattrs(SearchPath.ofThisProcess());

    record Assignment(Path path, String name, byte[] value) {}

    private final SearchPath searchPath;

    /** Tools are looked up on {@code searchPath} at each use (a few stat calls), so installing attr needs no restart. */
    SecurityXattrs(SearchPath searchPath) {
        this.searchPath = searchPath;
    }

    /** getfattr and setfattr as this process's PATH finds them. */
    static SecurityXattrs onThisHost() {
        return ON_THIS_HOST;
    }

    boolean canRead() {
        return searchPath.contains(GETFATTR);
    }

    boolean canWrite() {
        return searchPath.contains(SETFATTR);
    }

    /**
     * Starts reading every security.capability under {@code dir} (symlinks not followed); the
     * future yields absolute paths to values. Callers check {@link #canRead()} first: without
     * getfattr nothing can be known, which is not the same as "no capabilities".
     */
    CompletableFuture<Map<Path, byte[]>> readCapabilitiesAsync(Path dir) throws IOException {
        Path getfattr = searchPath.find(GETFATTR)
                .orElseThrow(() -> new IOException("getfattr is not installed (Debian package attr)"));
        Process process = new ProcessBuilder(getfattr.toString(), "-R", "-P", "-h", "--absolute-names", "-e", "hex",
                "-m", "^security\\.capability$", "-d", dir.toAbsolutePath().toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        return CompletableFuture.supplyAsync(() -> {
            try (InputStream out = process.getInputStream()) {
                Map<Path, byte[]> result = parseDump(out.readAllBytes());
                process.waitFor();
                return result;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    /**
     * Applies the assignments with one {@code setfattr --restore}; a no-op when there are none.
     * Without setfattr the capabilities would be lost, so that fails with {@code subject} (what
     * carried them) named.
     */
    void apply(List<Assignment> assignments, Path root, String subject) throws IOException {
        if (assignments.isEmpty()) {
            return;
        }
        Path setfattr = searchPath.find(SETFATTR)
                .orElseThrow(() -> CapabilityLossException.cannotSet(subject, root.relativize(assignments.getFirst().path()).toString()));
        ByteArrayOutputStream dump = new ByteArrayOutputStream();
        for (Assignment a : assignments) {
            dump.writeBytes("# file: ".getBytes(StandardCharsets.US_ASCII));
            dump.writeBytes(escape(a.path().toAbsolutePath().toString()));
            dump.write('\n');
            dump.writeBytes((a.name() + "=0x" + HexFormat.of().formatHex(a.value()) + "\n\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        Process process = new ProcessBuilder(setfattr.toString(), "-h", "--restore=-")
                .redirectErrorStream(true).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(dump.toByteArray());
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                throw new IOException("setfattr failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while setting file capabilities", e);
        }
    }

    static Map<Path, byte[]> parseDump(byte[] dump) {
        Map<Path, byte[]> result = new HashMap<>();
        String text = new String(dump, StandardCharsets.ISO_8859_1);
        Path current = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("# file: ")) {
                current = Path.of(new String(unescape(line.substring(8)), StandardCharsets.UTF_8));
            } else if (current != null && line.startsWith(CAPABILITY + "=0x")) {
                result.put(current, HexFormat.of().parseHex(line.substring(CAPABILITY.length() + 3)));
            }
        }
        return result;
    }

    /** getfattr's quoting: backslash and every byte outside printable ASCII as \ooo. */
    private static byte[] escape(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c <= 0x20 || c >= 0x7f || c == '\\' || c == '=') {
                out.writeBytes(String.format("\\%03o", c).getBytes(StandardCharsets.US_ASCII));
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    private static byte[] unescape(String latin1) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < latin1.length(); i++) {
            char c = latin1.charAt(i);
            if (c == '\\' && isOctal(latin1, i + 1)) {
                out.write(Integer.parseInt(latin1.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
