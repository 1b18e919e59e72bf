package io.stevedore.registry.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.MediaTypes;
import io.stevedore.registry.RegistryTestSupport;
import io.stevedore.registry.spec.SpecClient.Blob;
import io.stevedore.registry.spec.SpecClient.Image;
import io.stevedore.registry.spec.SpecClient.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A bounded, seeded fuzz of the distribution API (a generator of our own: Jazzer is not in the
 * offline Maven repository): repository names, tags and digests, Range and Content-Range, upload
 * ids, query strings, and manifests and indexes mutated in shape, size, nesting, media types,
 * numbers, duplicate keys and value types. Every answer must be below 500, free of stack traces
 * and class names, and every 4xx in the OCI error shape; afterwards the repository shows what it
 * showed before, plus only manifests the registry accepted with a 201.
 *
 * <p>{@code -Dstevedore.fuzz.iterations=N} (default 600) and {@code -Dstevedore.fuzz.seed=S}
 * (default fixed) run it longer or elsewhere.
 */
class FuzzTest extends RegistryTestSupport {
    private static final int ITERATIONS = Integer.getInteger("stevedore.fuzz.iterations", 600);
    private static final long SEED = Long.getLong("stevedore.fuzz.seed", 20261205L);
    private static final String[] ATOMS = {"", "a", "A", "-", "_", "__", ".", "..", "/", "//", "%", "%2e", "%2f",
            "%00", "%zz", ":", "@", "sha256:", "sha512:", "+", " ", "\t", "é", "\u0000", "\uFFFF", "0", "9", "latest",
            "x".repeat(129), "y".repeat(300), "{}", "[", "\"", "\\", "*", "?", "#", ";", "&", "=", "-1", "1e999",
            "99999999999999999999", "NaN"};
    private static final String[] MEDIA_TYPES = {MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX,
            MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST, "application/json", "text/plain", "", "a/b+json",
            "application/vnd.oci.image.manifest.v1+json; charset=utf-8", "x".repeat(500)};

    private final SpecClient registry = new SpecClient(registryUrl(), http(), registryAccount());
    private final Random random = new Random(SEED);
    private final List<String> failures = new ArrayList<>();
    private final Set<String> acceptedTags = new TreeSet<>();
    private int requests;

    @Test
    void fuzzedRequestsGetNoServerErrorsOnlyOciErrorsAndLeaveNothingVisible() {
        String repo = SpecClient.uniqueRepository("fuzz");
        Image image = registry.pushImage(repo, "seed");
        String tagsBefore = registry.get("/v2/" + repo + "/tags/list").text();
        List<Supplier<Response>> operations = List.of(
                () -> registry.get("/v2/" + pathSegment(name()) + "/tags/list"),
                () -> registry.get("/v2/" + repo + "/manifests/" + pathSegment(reference()), "Accept",
                        SpecClient.ACCEPT_MANIFESTS),
                () -> registry.head("/v2/" + repo + "/blobs/" + pathSegment(digest())),
                () -> registry.get("/v2/" + repo + "/blobs/" + image.layer().digest(), "Range", range()),
                () -> registry.patch(registry.startUpload(repo).location(), bytes(), "Content-Type",
                        SpecClient.OCTET_STREAM, "Content-Range", range()),
                () -> registry.send(pick("GET", "PATCH", "PUT", "DELETE"), "/v2/" + repo + "/blobs/uploads/"
                        + pathSegment(uploadId()), bytes()),
                () -> registry.get("/v2/" + repo + "/tags/list?" + query("n", "last")),
                () -> registry.get("/v2/_catalog?" + query("n", "last")),
                () -> registry.post("/v2/" + repo + "/blobs/uploads/?" + query("digest", "mount", "from"), bytes(),
                        "Content-Type", SpecClient.OCTET_STREAM),
                () -> putManifest(repo, image));
        for (int i = 0; i < ITERATIONS; i++) {
            Response response;
            try {
                response = operations.get(random.nextInt(operations.size())).get();
            } catch (IllegalArgumentException e) {
                continue; // a header value or URI that java.net.http will not send
            }
            requests++;
            check(response);
        }
        assertThat(failures).as("%d requests, seed %d: answers breaking the rules", requests, SEED).isEmpty();

        String tagsAfter = registry.get("/v2/" + repo + "/tags/list").text();
        Set<String> expected = new TreeSet<>(acceptedTags);
        expected.add("seed");
        assertThat(tagsOf(tagsAfter)).as("tags after fuzzing (before: %s)", tagsBefore).isEqualTo(expected);
        assertThat(registry.get("/v2/" + repo + "/blobs/" + image.layer().digest()).body())
                .isEqualTo(image.layer().content());
        assertThat(registry.getManifest(repo, "seed").body()).isEqualTo(image.manifest());
    }

    private Response putManifest(String repo, Image image) {
        String tag = "f" + Integer.toHexString(random.nextInt(1 << 20));
        Response response = registry.put("/v2/" + repo + "/manifests/" + tag, manifest(image), "Content-Type",
                pick(MEDIA_TYPES));
        if (response.status() == 201) {
            acceptedTags.add(tag);
        }
        return response;
    }

    private void check(Response response) {
        String text = response.text();
        String what = response.method() + " " + response.uri();
        try {
            assertThat(response.status()).as("%s: %s", what, text).isLessThan(500);
            if (response.status() >= 400) {
                RawHttp.assertNoLeak(text, what);
                if (!response.method().equals("HEAD")) {
                    RawHttp.assertOciError(response.status(), response.header("Content-Type"), response.body(), what);
                }
            }
        } catch (AssertionError e) {
            failures.add(e.getMessage());
        }
    }

    private static Set<String> tagsOf(String json) {
        Set<String> tags = new TreeSet<>();
        JsonNode node = SpecClient.parseJson(json.getBytes(StandardCharsets.UTF_8)).get("tags");
        if (node != null) {
            node.forEach(t -> tags.add(t.stringValue()));
        }
        return tags;
    }

    // ---------------------------------------------------------------- generators

    private String garbage(int maxAtoms) {
        StringBuilder s = new StringBuilder();
        int atoms = random.nextInt(maxAtoms + 1);
        for (int i = 0; i < atoms; i++) {
            s.append(random.nextBoolean() ? pick(ATOMS) : Character.toString('a' + random.nextInt(26)));
        }
        return s.toString();
    }

    private String name() {
        return random.nextInt(4) == 0 ? "spec/fuzz-" + garbage(3) : garbage(6);
    }

    private String reference() {
        return random.nextBoolean() ? garbage(5) : digest();
    }

    private String digest() {
        String algorithm = pick("sha256", "sha512", "SHA256", "md5", "", "sha256+b64", "a".repeat(40));
        String hex = "0123456789abcdefABCDEFgz";
        StringBuilder encoded = new StringBuilder();
        int length = pick(new Integer[] {64, 63, 65, 128, 0, 1, 5000});
        for (int i = 0; i < length; i++) {
            encoded.append(hex.charAt(random.nextInt(random.nextInt(4) == 0 ? hex.length() : 16)));
        }
        return algorithm + pick(":", "", "::", "=") + encoded;
    }

    private String uploadId() {
        return pick(java.util.UUID.randomUUID().toString(), garbage(4), "00000000-0000-0000-0000-000000000000",
                java.util.UUID.randomUUID().toString().toUpperCase(), "..", "%2e%2e");
    }

    private String range() {
        String number = pick("0", "1", "-1", "99999999999999999999", "9223372036854775807", "", "a", "100", "1023");
        String number2 = pick("0", "1", "-1", "99999999999999999999", "9223372036854775807", "", "b", "100", "1023");
        return pick("bytes=", "bytes ", "", "items=", "bytes=0-0,") + number + pick("-", "", "--", ",") + number2
                + pick("", "/*", "/1024", "/-1", "/x");
    }

    private String query(String... keys) {
        StringBuilder q = new StringBuilder();
        int pairs = random.nextInt(4);
        for (int i = 0; i < pairs; i++) {
            if (i > 0) {
                q.append('&');
            }
            String key = random.nextInt(5) == 0 ? garbage(1) : pick(keys);
            String value = switch (key) {
                case "n" -> pick("0", "1", "-1", "1000", "2147483648", "99999999999999999999", "x", "", "1.5");
                case "digest", "mount" -> random.nextBoolean() ? digest() : garbage(2);
                default -> garbage(3);
            };
            q.append(queryPart(key)).append('=').append(queryPart(value));
        }
        return q.toString();
    }

    private byte[] bytes() {
        byte[] bytes = new byte[random.nextInt(4) == 0 ? 0 : random.nextInt(2048)];
        random.nextBytes(bytes);
        return bytes;
    }

    /** A manifest or index, valid or not, changed in one to three ways. */
    private byte[] manifest(Image image) {
        String config = "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + image.config().digest()
                + "\",\"size\":" + image.config().content().length + "}";
        String layer = "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + image.layer().digest()
                + "\",\"size\":" + image.layer().content().length + "}";
        String json = random.nextBoolean()
                ? "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":" + config
                        + ",\"layers\":[" + layer + "]}"
                : "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\""
                        + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + image.digest() + "\",\"size\":"
                        + image.manifest().length + "}]}";
        int mutations = 1 + random.nextInt(3);
        for (int i = 0; i < mutations; i++) {
            json = mutate(json);
        }
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private String mutate(String json) {
        return switch (random.nextInt(12)) {
            case 0 -> json.replaceFirst("\"size\":\\d+", "\"size\":" + pick("-1", "1e400", "99999999999999999999999",
                    "\"12\"", "null", "1.5", "9223372036854775807", "[]"));
            case 1 -> json.replaceFirst("\"schemaVersion\":2", "\"schemaVersion\":" + pick("1", "3", "\"2\"", "null",
                    "2.0", "-2", "{}"));
            case 2 -> json.replace("\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\"",
                    "\"mediaType\":\"" + pick(MEDIA_TYPES) + "\"");
            case 3 -> json.replaceFirst("\\{", "{\"schemaVersion\":2,\"schemaVersion\":3,");
            case 4 -> "[".repeat(random.nextInt(5000)) + json + "]".repeat(random.nextInt(5000));
            case 5 -> json.replaceFirst("\"digest\":\"[^\"]*\"", "\"digest\":" + pick("\"" + digest() + "\"", "1",
                    "null", "[]", "{}"));
            case 6 -> json.substring(0, random.nextInt(json.length() + 1));
            case 7 -> json.replaceFirst("\\}$", ",\"annotations\":{\"k\":" + pick("1", "{\"a\":1}", "\"v\"", "null",
                    "\"" + "v".repeat(100_000) + "\"") + "}}");
            case 8 -> json.replaceFirst("\\[", "[" + "{\"mediaType\":\"a/b\",\"digest\":\"sha256:" + "0".repeat(64)
                    + "\",\"size\":1},".repeat(random.nextInt(300)));
            case 9 -> json.replaceFirst("\\{", "{\"subject\":" + pick("{}", "1", "{\"digest\":\"" + digest()
                    + "\",\"size\":1,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\"}") + ",");
            case 10 -> json.replace(":", pick(":", "=", ": :"));
            default -> json + pick("", " ", "x", "\u0000", "}", "{}");
        };
    }

    private static String pathSegment(String text) {
        StringBuilder s = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~:@/%".indexOf(c) >= 0)) {
                s.append(c);
            } else {
                s.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return s.toString();
    }

    private static String queryPart(String text) {
        return pathSegment(text).replace("/", "%2F");
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[random.nextInt(options.length)];
    }
}
