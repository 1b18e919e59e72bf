// NullRegistry: the least work a server can do and still pass RegistryBench (issue 13). It stores
// uploads in files and manifests in memory, answers every call RegistryBench makes with the
// status and headers it checks, and does nothing else: no auth, no database, no fsync, and it
// takes the client's ?digest= for an upload's digest unless --verify asks it to hash the bytes.
// Blobs go out with sendfile (FileChannel.transferTo), one platform thread per connection.
//
// What it is for: RegistryBench's client shares this machine's two cores with the server it
// measures. Run against NullRegistry, the benchmark shows what the client leaves for a server
// that costs nearly nothing, so `null / Distribution` is the highest ratio any registry could
// show against Distribution here (docs/bench/core.sh NULL=1, docs/benchmarks.md).
//
// Run: java NullRegistry.java --port 5003 --dir /tmp/null-registry [--verify]. Not a registry.
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class NullRegistry {
    private static final Pattern UPLOADS = Pattern.compile("^/v2/(.+)/blobs/uploads/?$");
    private static final Pattern UPLOAD = Pattern.compile("^/v2/(.+)/blobs/uploads/([0-9a-f-]{36})$");
    private static final Pattern BLOB = Pattern.compile("^/v2/(.+)/blobs/(sha256:[0-9a-f]{64})$");
    private static final Pattern MANIFEST = Pattern.compile("^/v2/(.+)/manifests/([^/]+)$");
    private static final Pattern TAGS = Pattern.compile("^/v2/(.+)/tags/list$");
    private static final Pattern RANGE = Pattern.compile("^bytes=(\\d+)-(\\d+)$");

    record Manifest(byte[] body, String mediaType, String digest) {}

    /** An upload in progress: its file, and the running hash when --verify is on. */
    record Upload(Path file, MessageDigest sha256) {}

    private final Path dir;
    private final boolean verify;
    private final Map<String, Upload> uploads = new ConcurrentHashMap<>();
    private final Map<String, Path> blobs = new ConcurrentHashMap<>();
    private final Map<String, Manifest> manifests = new ConcurrentHashMap<>(); // "<repo>@<tag or digest>"
    private final Map<String, NavigableSet<String>> tags = new ConcurrentHashMap<>();

    NullRegistry(Path dir, boolean verify) {
        this.dir = dir;
        this.verify = verify;
    }

    public static void main(String[] args) throws IOException {
        int port = 5003;
        Path dir = null;
        boolean verify = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--verify" -> verify = true;
                default -> throw new IllegalArgumentException("usage: java NullRegistry.java --port P --dir D [--verify]");
            }
        }
        if (dir == null) throw new IllegalArgumentException("--dir is required");
        Files.createDirectories(dir);
        NullRegistry registry = new NullRegistry(dir, verify);
        ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", port), 128);
        System.out.println("NullRegistry on 127.0.0.1:" + port + (verify ? ", verifying digests" : ""));
        while (true) {
            SocketChannel connection = server.accept();
            connection.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Thread.ofPlatform().daemon().start(() -> registry.serve(connection));
        }
    }

    /** One request as read off the connection; the body, if any, is still on the connection. */
    record Request(String method, String path, Map<String, String> query, Map<String, String> headers) {
        long contentLength() { return Long.parseLong(headers.getOrDefault("content-length", "0")); }
    }

    /** A connection's reader: the bytes read past the current request's head wait in {@code buffer}. */
    static final class Connection {
        final SocketChannel channel;
        final ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024).flip();

        Connection(SocketChannel channel) { this.channel = channel; }

        /** The next request's head, or null at a clean end of the connection. */
        Request next() throws IOException {
            StringBuilder head = new StringBuilder();
            for (int last4 = 0; last4 != 0x0d0a0d0a; ) { // the last four bytes read, up to the blank line
                if (!buffer.hasRemaining() && !fill()) {
                    if (head.isEmpty()) return null;
                    throw new EOFException("connection closed inside a request head");
                }
                byte b = buffer.get();
                last4 = last4 << 8 | (b & 0xff);
                head.append((char) (b & 0xff));
                if (head.length() > 64 * 1024) throw new IOException("request head too long");
            }
            String[] lines = head.toString().split("\r\n");
            String[] requestLine = lines[0].split(" ");
            Map<String, String> headers = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            if (headers.containsKey("transfer-encoding")) throw new IOException("chunked request bodies are not supported");
            String target = requestLine[1];
            int q = target.indexOf('?');
            Map<String, String> query = new HashMap<>();
            if (q >= 0) {
                for (String pair : target.substring(q + 1).split("&")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0) query.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            return new Request(requestLine[0], q >= 0 ? target.substring(0, q) : target, query, headers);
        }

        private boolean fill() throws IOException {
            buffer.clear();
            int n = channel.read(buffer);
            buffer.flip();
            return n > 0;
        }

        /** Hands the next {@code length} body bytes to {@code sink}, a buffer at a time. */
        void body(long length, BodySink sink) throws IOException {
            for (long left = length; left > 0; ) {
                if (!buffer.hasRemaining() && !fill()) throw new EOFException("connection closed inside a body");
                ByteBuffer part = buffer.slice(buffer.position(), (int) Math.min(left, buffer.remaining()));
                buffer.position(buffer.position() + part.remaining());
                left -= part.remaining();
                sink.accept(part);
            }
        }

        byte[] body(long length) throws IOException {
            byte[] bytes = new byte[Math.toIntExact(length)];
            int[] at = {0};
            body(length, part -> {
                int n = part.remaining();
                part.get(bytes, at[0], n);
                at[0] += n;
            });
            return bytes;
        }

        void respond(int status, Map<String, String> headers, byte[] body) throws IOException {
            StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(status < 300 ? " OK" : " Error").append("\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            if (!headers.containsKey("Content-Length")) head.append("Content-Length: ").append(body.length).append("\r\n");
            head.append("\r\n");
            ByteBuffer[] response = {ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.ISO_8859_1)), ByteBuffer.wrap(body)};
            while (response[0].hasRemaining() || response[1].hasRemaining()) channel.write(response); // one write: no Nagle wait between head and body
        }
    }

    interface BodySink { void accept(ByteBuffer part) throws IOException; }

    void serve(SocketChannel channel) {
        try (channel) {
            Connection connection = new Connection(channel);
            for (Request request; (request = connection.next()) != null; ) {
                handle(connection, request);
                if ("close".equalsIgnoreCase(request.headers().get("connection"))) return;
            }
        } catch (IOException e) {
            // the client went away; nothing of ours to clean up beyond the socket
        }
    }

    void handle(Connection c, Request r) throws IOException {
        Matcher m;
        if (r.path().equals("/v2/") || r.path().equals("/v2")) {
            c.body(r.contentLength(), part -> { });
            c.respond(200, json(), "{}".getBytes(StandardCharsets.UTF_8));
        } else if ((m = UPLOADS.matcher(r.path())).matches() && r.method().equals("POST")) {
            c.body(r.contentLength(), part -> { }); // RegistryBench's POST has no body
            String id = UUID.randomUUID().toString();
            uploads.put(id, new Upload(Files.createFile(dir.resolve(id)), verify ? sha256() : null));
            c.respond(202, Map.of("Location", "/v2/" + m.group(1) + "/blobs/uploads/" + id, "Range", "0-0",
                    "Docker-Upload-UUID", id), new byte[0]);
        } else if ((m = UPLOAD.matcher(r.path())).matches() && (r.method().equals("PATCH") || r.method().equals("PUT"))) {
            upload(c, r, m.group(1), m.group(2));
        } else if ((m = BLOB.matcher(r.path())).matches() && (r.method().equals("GET") || r.method().equals("HEAD"))) {
            blob(c, r, m.group(2));
        } else if ((m = MANIFEST.matcher(r.path())).matches()) {
            manifest(c, r, m.group(1), m.group(2));
        } else if ((m = TAGS.matcher(r.path())).matches() && r.method().equals("GET")) {
            tags(c, r, m.group(1));
        } else {
            c.body(r.contentLength(), part -> { });
            error(c, 404, "NAME_UNKNOWN");
        }
    }

    void upload(Connection c, Request r, String repo, String id) throws IOException {
        Upload upload = uploads.get(id);
        if (upload == null) {
            c.body(r.contentLength(), part -> { });
            error(c, 404, "BLOB_UPLOAD_UNKNOWN");
            return;
        }
        long size;
        try (FileChannel file = FileChannel.open(upload.file(), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            c.body(r.contentLength(), part -> {
                if (upload.sha256() != null) upload.sha256().update(part.duplicate());
                while (part.hasRemaining()) file.write(part);
            });
            size = file.size();
        }
        String location = "/v2/" + repo + "/blobs/uploads/" + id;
        if (r.method().equals("PATCH")) {
            c.respond(202, Map.of("Location", location, "Range", "0-" + (size - 1), "Docker-Upload-UUID", id), new byte[0]);
            return;
        }
        String digest = r.query().get("digest");
        if (digest == null || !digest.matches("sha256:[0-9a-f]{64}")
                || upload.sha256() != null && !digest.equals("sha256:" + HexFormat.of().formatHex(upload.sha256().digest()))) {
            error(c, 400, "DIGEST_INVALID");
            return;
        }
        uploads.remove(id);
        Path blob = dir.resolve(digest.substring(7));
        Files.move(upload.file(), blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        blobs.put(digest, blob);
        c.respond(201, Map.of("Location", "/v2/" + repo + "/blobs/" + digest, "Docker-Content-Digest", digest), new byte[0]);
    }

    void blob(Connection c, Request r, String digest) throws IOException {
        Path path = blobs.get(digest);
        if (path == null) {
            error(c, 404, "BLOB_UNKNOWN");
            return;
        }
        try (FileChannel file = FileChannel.open(path)) {
            long size = file.size(), from = 0, to = size - 1;
            Matcher range = RANGE.matcher(r.headers().getOrDefault("range", ""));
            boolean partial = range.matches();
            if (partial) {
                from = Long.parseLong(range.group(1));
                to = Math.min(Long.parseLong(range.group(2)), size - 1);
            }
            long length = to - from + 1;
            Map<String, String> headers = new HashMap<>(Map.of("Content-Type", "application/octet-stream",
                    "Docker-Content-Digest", digest, "Content-Length", Long.toString(length)));
            if (partial) headers.put("Content-Range", "bytes " + from + "-" + to + "/" + size);
            c.respond(partial ? 206 : 200, headers, new byte[0]);
            if (r.method().equals("HEAD")) return;
            for (long at = from, end = to + 1; at < end; ) at += file.transferTo(at, end - at, c.channel);
        }
    }

    void manifest(Connection c, Request r, String repo, String reference) throws IOException {
        if (r.method().equals("PUT")) {
            byte[] body = c.body(r.contentLength());
            String digest = "sha256:" + HexFormat.of().formatHex(sha256().digest(body));
            Manifest manifest = new Manifest(body, r.headers().getOrDefault("content-type", "application/octet-stream"), digest);
            manifests.put(repo + "@" + digest, manifest);
            if (!reference.startsWith("sha256:")) {
                manifests.put(repo + "@" + reference, manifest);
                tags.computeIfAbsent(repo, k -> new ConcurrentSkipListSet<>()).add(reference);
            }
            c.respond(201, Map.of("Location", "/v2/" + repo + "/manifests/" + digest, "Docker-Content-Digest", digest), new byte[0]);
            return;
        }
        c.body(r.contentLength(), part -> { });
        Manifest manifest = manifests.get(repo + "@" + reference);
        if (manifest == null) {
            error(c, 404, "MANIFEST_UNKNOWN");
            return;
        }
        Map<String, String> headers = Map.of("Content-Type", manifest.mediaType(), "Docker-Content-Digest", manifest.digest(),
                "Content-Length", Integer.toString(manifest.body().length));
        c.respond(200, headers, r.method().equals("HEAD") ? new byte[0] : manifest.body());
    }

    void tags(Connection c, Request r, String repo) throws IOException {
        NavigableSet<String> all = tags.getOrDefault(repo, new ConcurrentSkipListSet<>());
        int n = Integer.parseInt(r.query().getOrDefault("n", "1000000"));
        String last = r.query().get("last");
        List<String> page = new ArrayList<>();
        for (String tag : last == null ? all : all.tailSet(last, false)) {
            if (page.size() == n) break;
            page.add(tag);
        }
        StringBuilder body = new StringBuilder("{\"name\":\"").append(repo).append("\",\"tags\":[");
        for (int i = 0; i < page.size(); i++) body.append(i == 0 ? "\"" : ",\"").append(page.get(i)).append('"');
        body.append("]}");
        Map<String, String> headers = new HashMap<>(json());
        if (page.size() == n && !all.tailSet(page.getLast(), false).isEmpty()) {
            headers.put("Link", "</v2/" + repo + "/tags/list?n=" + n + "&last=" + page.getLast() + ">; rel=\"next\"");
        }
        c.respond(200, headers, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    static void error(Connection c, int status, String code) throws IOException {
        c.respond(status, json(), ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + code.toLowerCase(Locale.ROOT)
                + "\"}]}").getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, String> json() { return Map.of("Content-Type", "application/json"); }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
