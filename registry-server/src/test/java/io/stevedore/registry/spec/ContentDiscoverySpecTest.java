package io.stevedore.registry.spec;

import static io.stevedore.registry.spec.SpecClient.assertError;
import static io.stevedore.registry.spec.SpecClient.obj;
import static io.stevedore.registry.spec.SpecClient.queryParameters;
import static io.stevedore.registry.spec.SpecClient.sha256;
import static io.stevedore.registry.spec.SpecClient.toJson;
import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.MediaTypes;
import io.stevedore.registry.RegistryTestSupport;
import io.stevedore.registry.spec.SpecClient.Blob;
import io.stevedore.registry.spec.SpecClient.Image;
import io.stevedore.registry.spec.SpecClient.Response;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The Content Discovery workflow of the OCI distribution spec (v1.1): tag listing with {@code n},
 * {@code last} and Link pagination, the {@code _catalog} extension, and the referrers API with
 * artifactType filtering and the OCI-Subject header on manifest pushes.
 */
class ContentDiscoverySpecTest extends RegistryTestSupport {

    /** Pushed in this order; includes tags that are prefixes of others. */
    private static final List<String> TAGS = List.of("b", "a10", "latest", "a", "v2", "1.0", "a1", "v10");
    /** {@link #TAGS} in lexical order. */
    private static final List<String> SORTED_TAGS = List.of("1.0", "a", "a1", "a10", "b", "latest", "v10", "v2");

    private static final String SBOM_TYPE = "application/vnd.example.sbom.v1+json";
    private static final String SIGNATURE_TYPE = "application/vnd.example.signature.v1";
    private static final String UNKNOWN_DIGEST = "sha256:" + "00112233445566778899aabbccddeeff".repeat(2);

    private final SpecClient registry = new SpecClient(registryUrl(), http(), registryAccount());

    // ================================================================ tags

    @Test
    void tagsListReturnsNameAndAllTagsInLexicalOrder() {
        String repo = repositoryWithTags();

        Response r = registry.get("/v2/" + repo + "/tags/list");

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.get("name").stringValue()).isEqualTo(repo);
        assertThat(tags(r)).containsExactlyElementsOf(SORTED_TAGS);
    }

    @Test
    void tagsListWithNReturnsTheFirstNTagsAndALinkToTheRest() {
        String repo = repositoryWithTags();

        Response r = registry.get("/v2/" + repo + "/tags/list?n=2");

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(tags(r)).containsExactly("1.0", "a");
        URI next = r.nextLink().orElseThrow(() -> new AssertionError("no Link rel=\"next\" in " + r));
        assertThat(r.header("Link")).startsWith("<").contains("rel=\"next\"");
        assertThat(next.getPath()).isEqualTo("/v2/" + repo + "/tags/list");
        assertThat(queryParameters(next)).containsEntry("n", "2").containsEntry("last", "a");
    }

    @Test
    void followingTagsListLinksYieldsEveryTagExactlyOnce() {
        String repo = repositoryWithTags();

        for (int n = 1; n <= 4; n++) {
            List<String> seen = new ArrayList<>();
            String url = "/v2/" + repo + "/tags/list?n=" + n;
            int pages = 0;
            while (url != null) {
                assertThat(++pages).as("pages followed with n=%d", n).isLessThanOrEqualTo(SORTED_TAGS.size() + 1);
                Response page = registry.get(url);
                assertThat(page.status()).as("%s", page).isEqualTo(200);
                List<String> pageTags = tags(page);
                assertThat(pageTags.size()).as("page size of %s", page).isLessThanOrEqualTo(n);
                seen.addAll(pageTags);
                url = page.nextLink().map(URI::toString).orElse(null);
            }
            assertThat(seen).as("tags collected with n=%d", n).containsExactlyElementsOf(SORTED_TAGS);
        }
    }

    @Test
    void tagsListWithLastStartsAfterThatTag() {
        String repo = repositoryWithTags();

        Response afterA1 = registry.get("/v2/" + repo + "/tags/list?last=a1");
        assertThat(afterA1.status()).as("%s", afterA1).isEqualTo(200);
        assertThat(tags(afterA1)).containsExactly("a10", "b", "latest", "v10", "v2");

        Response twoAfterA = registry.get("/v2/" + repo + "/tags/list?n=2&last=a");
        assertThat(twoAfterA.status()).as("%s", twoAfterA).isEqualTo(200);
        assertThat(tags(twoAfterA)).containsExactly("a1", "a10");

        Response afterLast = registry.get("/v2/" + repo + "/tags/list?n=5&last=v2");
        assertThat(afterLast.status()).as("%s", afterLast).isEqualTo(200);
        assertThat(tags(afterLast)).isEmpty();
        assertThat(afterLast.nextLink()).isEmpty();
    }

    @Test
    void tagsListWithNZeroIsEmptyAndHasNoLink() {
        String repo = repositoryWithTags();

        Response r = registry.get("/v2/" + repo + "/tags/list?n=0");

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(tags(r)).isEmpty();
        assertThat(r.header("Link")).isNull();
    }

    @Test
    void tagsListWithNLargerThanTheTagCountReturnsAllTagsAndNoLink() {
        String repo = repositoryWithTags();

        Response r = registry.get("/v2/" + repo + "/tags/list?n=100");

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(tags(r)).containsExactlyElementsOf(SORTED_TAGS);
        assertThat(r.header("Link")).isNull();
    }

    @Test
    void tagsListOfUnknownRepositoryIs404NameUnknown() {
        String repo = SpecClient.uniqueRepository("never-pushed");

        assertError(registry.get("/v2/" + repo + "/tags/list"), 404, "NAME_UNKNOWN");
    }

    // ================================================================ catalog

    @Test
    void catalogListsPushedRepositories() {
        String repo = SpecClient.uniqueRepository("catalog");
        registry.pushImage(repo, "v1");

        List<String> all = new ArrayList<>();
        String url = "/v2/_catalog?n=1000";
        for (int page = 0; url != null && page < 1000; page++) {
            Response r = registry.get(url);
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            all.addAll(repositories(r));
            url = r.nextLink().map(URI::toString).orElse(null);
        }

        assertThat(all).contains(repo).doesNotHaveDuplicates();
    }

    @Test
    void catalogIsPaginatedWithNLastAndLink() {
        String prefix = SpecClient.uniqueRepository("catalog");
        for (String suffix : List.of("a", "b", "c")) {
            registry.pushImage(prefix + "-" + suffix, "v1");
        }

        Response first = registry.get("/v2/_catalog?n=1&last=" + prefix + "-a");

        assertThat(first.status()).as("%s", first).isEqualTo(200);
        assertThat(repositories(first)).containsExactly(prefix + "-b");
        URI next = first.nextLink().orElseThrow(() -> new AssertionError("no Link rel=\"next\" in " + first));
        assertThat(next.getPath()).isEqualTo("/v2/_catalog");
        assertThat(queryParameters(next)).containsEntry("n", "1").containsEntry("last", prefix + "-b");
        Response second = registry.get(next.toString());
        assertThat(repositories(second)).containsExactly(prefix + "-c");
    }

    // ================================================================ referrers

    @Test
    void manifestWithSubjectPushAnswersOciSubjectHeader() {
        String repo = SpecClient.uniqueRepository("referrers");
        Image subject = registry.pushImage(repo, "subject");
        registry.pushBlob(repo, SpecClient.EMPTY_JSON);
        byte[] sbom = sbomFor(repo, subject.descriptor());

        Response r = registry.putManifest(repo, sha256(sbom), MediaTypes.OCI_MANIFEST, sbom);

        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(r.header("OCI-Subject")).isEqualTo(subject.digest());
    }

    @Test
    void referrersListManifestsWhoseSubjectIsTheDigest() {
        String repo = SpecClient.uniqueRepository("referrers");
        Referrers pushed = pushSubjectWithReferrers(repo);
        registry.pushImage(repo, "unrelated");

        Response r = registry.get("/v2/" + repo + "/referrers/" + pushed.subject().digest());

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo(MediaTypes.OCI_INDEX);
        JsonNode index = r.json();
        assertThat(index.get("schemaVersion").intValue()).isEqualTo(2);
        assertThat(index.get("mediaType").stringValue()).isEqualTo(MediaTypes.OCI_INDEX);
        Map<String, JsonNode> byDigest = descriptorsByDigest(index);
        assertThat(byDigest).containsOnlyKeys(sha256(pushed.sbom()), sha256(pushed.signature()),
                sha256(pushed.bundle()));

        JsonNode sbom = byDigest.get(sha256(pushed.sbom()));
        assertThat(sbom.get("mediaType").stringValue()).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(sbom.get("size").longValue()).isEqualTo(pushed.sbom().length);
        assertThat(sbom.get("artifactType").stringValue()).isEqualTo(SBOM_TYPE);
        assertThat(annotations(sbom)).containsExactlyInAnyOrderEntriesOf(
                Map.of("org.example.kind", "sbom", "org.opencontainers.image.created", "2024-01-01T00:00:00Z"));

        JsonNode signature = byDigest.get(sha256(pushed.signature()));
        assertThat(signature.get("artifactType").stringValue())
                .as("without artifactType, the config media type stands in").isEqualTo(SIGNATURE_TYPE);
        assertThat(signature.get("size").longValue()).isEqualTo(pushed.signature().length);
        assertThat(annotations(signature)).containsExactlyInAnyOrderEntriesOf(Map.of("org.example.kind", "signature"));

        JsonNode bundle = byDigest.get(sha256(pushed.bundle()));
        assertThat(bundle.get("mediaType").stringValue()).isEqualTo(MediaTypes.OCI_INDEX);
        assertThat(bundle.get("size").longValue()).isEqualTo(pushed.bundle().length);
        assertThat(bundle.has("artifactType")).as("an index without artifactType has none: %s", bundle).isFalse();
        assertThat(annotations(bundle)).containsExactlyInAnyOrderEntriesOf(Map.of("org.example.kind", "bundle"));
    }

    @Test
    void referrersFilteredByArtifactTypeListOnlyMatchesAndSayFilterApplied() {
        String repo = SpecClient.uniqueRepository("referrers");
        Referrers pushed = pushSubjectWithReferrers(repo);

        Response sboms = referrers(repo, pushed.subject().digest(), SBOM_TYPE);
        assertThat(sboms.status()).as("%s", sboms).isEqualTo(200);
        assertThat(sboms.header("Content-Type")).isEqualTo(MediaTypes.OCI_INDEX);
        assertThat(sboms.header("OCI-Filters-Applied")).isEqualTo("artifactType");
        assertThat(descriptorsByDigest(sboms.json())).containsOnlyKeys(sha256(pushed.sbom()));

        Response signatures = referrers(repo, pushed.subject().digest(), SIGNATURE_TYPE);
        assertThat(signatures.status()).as("%s", signatures).isEqualTo(200);
        assertThat(signatures.header("OCI-Filters-Applied")).isEqualTo("artifactType");
        assertThat(descriptorsByDigest(signatures.json())).containsOnlyKeys(sha256(pushed.signature()));
    }

    @Test
    void referrersFilterWithoutMatchesIsAnEmptyIndex() {
        String repo = SpecClient.uniqueRepository("referrers");
        Referrers pushed = pushSubjectWithReferrers(repo);

        Response r = referrers(repo, pushed.subject().digest(), "application/vnd.example.nothing");

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.header("OCI-Filters-Applied")).isEqualTo("artifactType");
        assertThat(r.json().get("manifests").size()).isZero();
    }

    @Test
    void referrersOfDigestWithoutReferrersIsAnEmptyIndex() {
        String repo = SpecClient.uniqueRepository("referrers");
        Image lonely = registry.pushImage(repo, "lonely");

        for (String digest : List.of(lonely.digest(), UNKNOWN_DIGEST)) {
            Response r = registry.get("/v2/" + repo + "/referrers/" + digest);
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.header("Content-Type")).isEqualTo(MediaTypes.OCI_INDEX);
            JsonNode index = r.json();
            assertThat(index.get("schemaVersion").intValue()).isEqualTo(2);
            assertThat(index.get("manifests").isArray()).isTrue();
            assertThat(index.get("manifests").size()).isZero();
            assertThat(r.header("OCI-Filters-Applied")).isNull();
        }
    }

    @Test
    void referrerPushedBeforeItsSubjectIsAcceptedAndListed() {
        String repo = SpecClient.uniqueRepository("referrers");
        registry.pushBlob(repo, SpecClient.EMPTY_JSON);
        Map<String, Object> absentSubject =
                obj("mediaType", MediaTypes.OCI_MANIFEST, "digest", UNKNOWN_DIGEST, "size", 1234L);
        byte[] sbom = sbomFor(repo, absentSubject);

        Response put = registry.putManifest(repo, sha256(sbom), MediaTypes.OCI_MANIFEST, sbom);
        assertThat(put.status()).as("a subject that does not exist yet is accepted: %s", put).isEqualTo(201);
        assertThat(put.header("OCI-Subject")).isEqualTo(UNKNOWN_DIGEST);

        Response r = registry.get("/v2/" + repo + "/referrers/" + UNKNOWN_DIGEST);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(descriptorsByDigest(r.json())).containsOnlyKeys(sha256(sbom));
    }

    @Test
    void referrersAreScopedToTheirRepository() {
        String repo = SpecClient.uniqueRepository("referrers");
        String other = SpecClient.uniqueRepository("referrers-other");
        Referrers pushed = pushSubjectWithReferrers(repo);
        registry.pushBlob(other, pushed.subject().config());
        registry.pushBlob(other, pushed.subject().layer());
        registry.pushManifest(other, "same-subject", MediaTypes.OCI_MANIFEST, pushed.subject().manifest());

        Response r = registry.get("/v2/" + other + "/referrers/" + pushed.subject().digest());

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.json().get("manifests").size()).isZero();
    }

    @Test
    void referrersWithMalformedDigestIs400() {
        String repo = SpecClient.uniqueRepository("referrers");
        registry.pushImage(repo, "v1");

        Response r = registry.get("/v2/" + repo + "/referrers/sha256:abc");

        assertError(r, 400, "DIGEST_INVALID");
    }

    // ================================================================ helpers

    private String repositoryWithTags() {
        String repo = SpecClient.uniqueRepository("tags");
        Image image = registry.pushImage(repo, TAGS.get(0));
        for (String tag : TAGS.subList(1, TAGS.size())) {
            registry.pushManifest(repo, tag, MediaTypes.OCI_MANIFEST, image.manifest());
        }
        return repo;
    }

    private static List<String> tags(Response r) {
        JsonNode tags = r.json().get("tags");
        List<String> names = new ArrayList<>();
        if (tags != null && !tags.isNull()) {
            tags.forEach(t -> names.add(t.stringValue()));
        }
        return names;
    }

    private static List<String> repositories(Response r) {
        List<String> names = new ArrayList<>();
        JsonNode repositories = r.json().get("repositories");
        if (repositories != null && !repositories.isNull()) {
            repositories.forEach(t -> names.add(t.stringValue()));
        }
        return names;
    }

    private Response referrers(String repo, String digest, String artifactType) {
        return registry.get("/v2/" + repo + "/referrers/" + digest + "?artifactType="
                + URLEncoder.encode(artifactType, StandardCharsets.UTF_8));
    }

    private static Map<String, JsonNode> descriptorsByDigest(JsonNode index) {
        Map<String, JsonNode> byDigest = new LinkedHashMap<>();
        index.get("manifests").forEach(d -> {
            JsonNode previous = byDigest.put(d.get("digest").stringValue(), d);
            assertThat(previous).as("duplicate descriptor %s", d).isNull();
        });
        return byDigest;
    }

    private static Map<String, String> annotations(JsonNode descriptor) {
        Map<String, String> annotations = new LinkedHashMap<>();
        Optional.ofNullable(descriptor.get("annotations"))
                .ifPresent(a -> a.properties().forEach(e -> annotations.put(e.getKey(), e.getValue().stringValue())));
        return annotations;
    }

    /** An SBOM artifact: explicit artifactType, empty config, one JSON layer, pointing at {@code subject}. */
    private byte[] sbomFor(String repo, Map<String, Object> subject) {
        Blob layer = registry.pushBlob(repo, ("{\"sbom\":\"" + SpecClient.randomHex(8) + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        return toJson(obj(
                "schemaVersion", 2,
                "mediaType", MediaTypes.OCI_MANIFEST,
                "artifactType", SBOM_TYPE,
                "config", SpecClient.EMPTY_JSON.descriptor(MediaTypes.OCI_EMPTY),
                "layers", List.of(layer.descriptor("application/json")),
                "subject", subject,
                "annotations", obj("org.example.kind", "sbom",
                        "org.opencontainers.image.created", "2024-01-01T00:00:00Z")));
    }

    /**
     * Pushes a subject image and three referrers to it: an SBOM manifest with an artifactType, a
     * signature manifest whose config media type is its artifact type, and an index (no artifactType)
     * bundling the SBOM. All are pushed by digest, none tagged.
     */
    private Referrers pushSubjectWithReferrers(String repo) {
        Image subject = registry.pushImage(repo, "subject");
        registry.pushBlob(repo, SpecClient.EMPTY_JSON);

        byte[] sbom = sbomFor(repo, subject.descriptor());
        registry.pushManifest(repo, sha256(sbom), MediaTypes.OCI_MANIFEST, sbom);

        byte[] signature = toJson(obj(
                "schemaVersion", 2,
                "mediaType", MediaTypes.OCI_MANIFEST,
                "config", SpecClient.EMPTY_JSON.descriptor(SIGNATURE_TYPE),
                "layers", List.of(SpecClient.EMPTY_JSON.descriptor(MediaTypes.OCI_EMPTY)),
                "subject", subject.descriptor(),
                "annotations", obj("org.example.kind", "signature")));
        registry.pushManifest(repo, sha256(signature), MediaTypes.OCI_MANIFEST, signature);

        byte[] bundle = toJson(obj(
                "schemaVersion", 2,
                "mediaType", MediaTypes.OCI_INDEX,
                "manifests", List.of(obj("mediaType", MediaTypes.OCI_MANIFEST, "digest", sha256(sbom),
                        "size", (long) sbom.length)),
                "subject", subject.descriptor(),
                "annotations", obj("org.example.kind", "bundle")));
        registry.pushManifest(repo, sha256(bundle), MediaTypes.OCI_INDEX, bundle);

        return new Referrers(subject, sbom, signature, bundle);
    }

    private record Referrers(Image subject, byte[] sbom, byte[] signature, byte[] bundle) {
    }
}
