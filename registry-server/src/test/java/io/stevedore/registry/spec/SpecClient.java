package io.stevedore.registry.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.json.Json;
import io.stevedore.oci.MediaTypes;
import io.stevedore.registry.RegistryTestSupport.TestAccount;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A small HTTP client for the OCI distribution API, shared by the spec tests: raw requests that
 * return everything the registry answered, plus helpers that push blobs and manifests and assert
 * that the push worked. It deliberately knows nothing about our server: every test built on it
 * also runs against any other registry.
 */
final class SpecClient {

    static final String OCTET_STREAM = "application/octet-stream";
    static final String ACCEPT_MANIFESTS = String.join(", ", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX,
            MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST);

    /** The canonical empty JSON blob of the OCI image spec, used as the config of artifacts. */
    static final Blob EMPTY_JSON = Blob.of("{}".getBytes(StandardCharsets.UTF_8));

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern LINK = Pattern.compile("<([^>]*)>\\s*;\\s*rel=\"?next\"?");

    private final URI base;
    private final HttpClient http;
    private final BearerCredentials credentials;

    SpecClient(URI base, HttpClient http) {
        this(base, http, null);
    }

    /** @param account who to get tokens as when the registry challenges; null: stay anonymous */
    SpecClient(URI base, HttpClient http, TestAccount account) {
        this.base = base;
        this.http = http;
        this.credentials = account == null ? null : new BearerCredentials(account, http);
    }

    /** A repository name no other test uses, e.g. {@code spec/push-3f9a0c12b4}. */
    static String uniqueRepository(String prefix) {
        return "spec/" + prefix + "-" + randomHex(5);
    }

    static String randomHex(int bytes) {
        return HexFormat.of().formatHex(randomBytes(bytes));
    }

    static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    // ---------------------------------------------------------------- raw requests

    Response get(String pathOrUrl, String... headers) {
        return send("GET", pathOrUrl, null, headers);
    }

    Response head(String pathOrUrl, String... headers) {
        return send("HEAD", pathOrUrl, null, headers);
    }

    Response delete(String pathOrUrl, String... headers) {
        return send("DELETE", pathOrUrl, null, headers);
    }

    Response post(String pathOrUrl, byte[] body, String... headers) {
        return send("POST", pathOrUrl, body, headers);
    }

    Response put(String pathOrUrl, byte[] body, String... headers) {
        return send("PUT", pathOrUrl, body, headers);
    }

    Response patch(String pathOrUrl, byte[] body, String... headers) {
        return send("PATCH", pathOrUrl, body, headers);
    }

    /**
     * Sends one request. {@code pathOrUrl} is either a path such as {@code /v2/} (relative to the
     * registry) or an absolute URL (a Location the registry handed out); {@code headers} are
     * name/value pairs. A null body sends no body at all; an empty one sends Content-Length: 0.
     * With an account, a 401 with a Bearer challenge gets a token and the request is sent again.
     */
    Response send(String method, String pathOrUrl, byte[] body, String... headers) {
        URI uri = pathOrUrl.startsWith("http://") || pathOrUrl.startsWith("https://")
                ? URI.create(pathOrUrl) : URI.create(base + pathOrUrl);
        if (credentials == null) {
            return sendOnce(method, uri, body, headers);
        }
        Response response = sendOnce(method, uri, body, credentials.authorize(uri, headers));
        if (response.status() == 401 && credentials.renew(uri, response.header("WWW-Authenticate"))) {
            response = sendOnce(method, uri, body, credentials.authorize(uri, headers));
        }
        credentials.observe(uri, response.status());
        return response;
    }

    private Response sendOnce(String method, URI uri, byte[] body, String... headers) {
        HttpRequest.BodyPublisher publisher = body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(60))
                .method(method, publisher);
        if (headers.length % 2 != 0) {
            throw new IllegalArgumentException("headers must be name/value pairs");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        AtomicReference<HttpResponse.ResponseInfo> received = new AtomicReference<>();
        HttpResponse.BodyHandler<byte[]> handler = info -> {
            received.set(info);
            return HttpResponse.BodySubscribers.ofByteArray();
        };
        try {
            HttpResponse<byte[]> response = http.send(request.build(), handler);
            return new Response(method, uri, response.statusCode(), response.headers(), response.body(), null);
        } catch (IOException e) {
            HttpResponse.ResponseInfo info = received.get();
            if (info == null) {
                throw new IllegalStateException(method + " " + uri + " failed: " + e, e);
            }
            // Status and headers arrived but the body did not match its framing (for instance a
            // Content-Length the body does not have): keep what arrived, so that status-only
            // assertions still work and body assertions fail on the empty body.
            return new Response(method, uri, info.statusCode(), info.headers(), new byte[0], e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " " + uri + " interrupted", e);
        }
    }

    // ---------------------------------------------------------------- pushing content

    /** Starts an upload session (POST with no body) and returns the registry's answer, asserted to be 202. */
    Response startUpload(String repository) {
        Response started = post("/v2/" + repository + "/blobs/uploads/", new byte[0]);
        assertThat(started.status()).as("POST upload session: %s", started).isEqualTo(202);
        assertThat(started.header("Location")).as("Location of %s", started).isNotBlank();
        return started;
    }

    /** Pushes a blob with POST then a monolithic PUT and asserts 201. */
    Blob pushBlob(String repository, Blob blob) {
        Response started = startUpload(repository);
        Response put = put(withQuery(started.location(), "digest", blob.digest()), blob.content(),
                "Content-Type", OCTET_STREAM);
        assertThat(put.status()).as("PUT blob %s: %s", blob.digest(), put).isEqualTo(201);
        return blob;
    }

    Blob pushBlob(String repository, byte[] content) {
        return pushBlob(repository, Blob.of(content));
    }

    /** Pushes a manifest under a tag or digest, asserts 201 and returns the manifest's sha256 digest. */
    String pushManifest(String repository, String reference, String mediaType, byte[] manifest) {
        Response put = putManifest(repository, reference, mediaType, manifest);
        assertThat(put.status()).as("PUT manifest %s: %s", reference, put).isEqualTo(201);
        return sha256(manifest);
    }

    Response putManifest(String repository, String reference, String mediaType, byte[] manifest) {
        return put("/v2/" + repository + "/manifests/" + reference, manifest, "Content-Type", mediaType);
    }

    Response getManifest(String repository, String reference) {
        return get("/v2/" + repository + "/manifests/" + reference, "Accept", ACCEPT_MANIFESTS);
    }

    /**
     * Pushes a small OCI image: a fresh config blob, one fresh layer and the manifest, tagged
     * {@code tag} (or pushed by digest when {@code tag} is null).
     */
    Image pushImage(String repository, String tag) {
        Blob config = pushBlob(repository, imageConfig());
        Blob layer = pushBlob(repository, randomBytes(512));
        byte[] manifest = toJson(obj(
                "schemaVersion", 2,
                "mediaType", MediaTypes.OCI_MANIFEST,
                "config", config.descriptor(MediaTypes.OCI_CONFIG),
                "layers", List.of(layer.descriptor(MediaTypes.OCI_LAYER_GZIP))));
        String digest = sha256(manifest);
        pushManifest(repository, tag == null ? digest : tag, MediaTypes.OCI_MANIFEST, manifest);
        return new Image(repository, manifest, digest, config, layer);
    }

    /** An OCI image manifest with a config and no layers: the smallest valid one. */
    static byte[] configOnlyManifest(Blob config) {
        return toJson(obj(
                "schemaVersion", 2,
                "mediaType", MediaTypes.OCI_MANIFEST,
                "config", config.descriptor(MediaTypes.OCI_CONFIG),
                "layers", List.of()));
    }

    /** A valid, unique image config (unique so that every image pushed has its own digests). */
    static byte[] imageConfig() {
        return toJson(obj(
                "architecture", "amd64",
                "os", "linux",
                "rootfs", obj("type", "layers", "diff_ids", List.of()),
                "config", obj("Labels", obj("io.stevedore.spec.nonce", randomHex(8)))));
    }

    // ---------------------------------------------------------------- JSON and digests

    /** A JSON object whose properties keep the order given: {@code obj("a", 1, "b", "x")}. */
    static Map<String, Object> obj(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must come in pairs");
        }
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    static byte[] toJson(Object value) {
        return Json.MAPPER.writeValueAsBytes(value);
    }

    static JsonNode parseJson(byte[] json) {
        return Json.MAPPER.readTree(json);
    }

    static String sha256(byte[] content) {
        return digest("sha256", "SHA-256", content);
    }

    static String sha512(byte[] content) {
        return digest("sha512", "SHA-512", content);
    }

    /** Digest of {@code content} with the algorithm named in {@code digest} (sha256 or sha512). */
    static String digestLike(String digest, byte[] content) {
        return digest.startsWith("sha512:") ? sha512(content) : sha256(content);
    }

    private static String digest(String name, String jcaName, byte[] content) {
        try {
            return name + ":" + HexFormat.of().formatHex(MessageDigest.getInstance(jcaName).digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Appends a query parameter to a URL that may already carry a query (upload Locations often do). */
    static String withQuery(String url, String name, String value) {
        String separator = url.contains("?") ? "&" : "?";
        return url + separator + name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** The decoded query parameters of a URL, first value of each. */
    static Map<String, String> queryParameters(URI uri) {
        Map<String, String> params = new LinkedHashMap<>();
        String query = uri.getRawQuery();
        if (query == null || query.isEmpty()) {
            return params;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.putIfAbsent(name, value);
        }
        return params;
    }

    // ---------------------------------------------------------------- assertions

    /** Asserts a 200 that serves exactly {@code manifest}, with its media type and digest. */
    static void assertManifest(Response response, byte[] manifest, String mediaType, String digest) {
        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.body()).isEqualTo(manifest);
        assertThat(response.header("Content-Type")).isEqualTo(mediaType);
        assertThat(response.header("Docker-Content-Digest")).isEqualTo(digest);
    }

    /**
     * Asserts the OCI error format: the given status and a JSON body
     * {@code {"errors":[{"code":...,"message":...}, ...]}} whose codes are upper-case identifiers,
     * one of them among {@code expectedCodes}.
     */
    static void assertError(Response response, int status, String... expectedCodes) {
        assertThat(response.status()).as("status of %s", response).isEqualTo(status);
        List<String> codes = errorCodes(response);
        assertThat(codes).as("error codes of %s", response).containsAnyOf(expectedCodes);
    }

    /** The error codes of an OCI error body, asserting the body has the spec's shape. */
    static List<String> errorCodes(Response response) {
        JsonNode body;
        try {
            body = parseJson(response.body());
        } catch (RuntimeException e) {
            throw new AssertionError("expected an OCI JSON error body from " + response, e);
        }
        JsonNode errors = body.get("errors");
        assertThat(errors).as("\"errors\" array of %s", response).isNotNull();
        assertThat(errors.isArray()).as("\"errors\" is an array in %s", response).isTrue();
        assertThat(errors.size()).as("number of errors in %s", response).isPositive();
        List<String> codes = new ArrayList<>();
        for (JsonNode error : errors) {
            JsonNode code = error.get("code");
            JsonNode message = error.get("message");
            assertThat(code != null && code.isString()).as("string \"code\" in %s", response).isTrue();
            assertThat(code.stringValue()).as("code in %s", response).matches("[A-Z_]+");
            assertThat(message != null && message.isString()).as("string \"message\" in %s", response).isTrue();
            codes.add(code.stringValue());
        }
        return codes;
    }

    // ---------------------------------------------------------------- value types

    /**
     * What the registry answered to one request. {@code bodyProblem} is null unless the body could
     * not be read as the headers framed it; the body is then empty.
     */
    record Response(String method, URI uri, int status, HttpHeaders headers, byte[] body, String bodyProblem) {

        /** First value of a header, or null. */
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        List<String> headerValues(String name) {
            return headers.allValues(name);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            return parseJson(body);
        }

        /** The Location header resolved against the request URL (it may be relative). */
        String location() {
            String location = header("Location");
            assertThat(location).as("Location header of %s", this).isNotBlank();
            return uri.resolve(location).toString();
        }

        /** The target of a {@code Link: <...>; rel="next"} header, resolved against the request URL. */
        Optional<URI> nextLink() {
            for (String value : headerValues("Link")) {
                Matcher m = LINK.matcher(value);
                if (m.find()) {
                    return Optional.of(uri.resolve(m.group(1)));
                }
            }
            return Optional.empty();
        }

        @Override
        public String toString() {
            String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
            if (text.length() > 400) {
                text = text.substring(0, 400) + "...";
            }
            String problem = bodyProblem == null ? "" : " [body unreadable: " + bodyProblem + "]";
            return method + " " + uri + " -> " + status + " " + headers.map() + " " + text + problem;
        }
    }

    /** Content and its sha256 digest (or sha512, when made with {@link #sha512Of}). */
    record Blob(byte[] content, String digest) {

        static Blob of(byte[] content) {
            return new Blob(content, sha256(content));
        }

        static Blob sha512Of(byte[] content) {
            return new Blob(content, sha512(content));
        }

        static Blob random(int size) {
            return of(randomBytes(size));
        }

        long size() {
            return content.length;
        }

        Map<String, Object> descriptor(String mediaType) {
            return obj("mediaType", mediaType, "digest", digest, "size", size());
        }
    }

    /** An image pushed by {@link #pushImage}. */
    record Image(String repository, byte[] manifest, String digest, Blob config, Blob layer) {

        Map<String, Object> descriptor() {
            return obj("mediaType", MediaTypes.OCI_MANIFEST, "digest", digest, "size", (long) manifest.length);
        }
    }
}
