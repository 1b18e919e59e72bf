package io.stevedore.registry.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.RegistryTestSupport;
import io.stevedore.registry.RegistryTestSupport.TestAccount;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every request whose path starts with {@code /v2/} is answered by the distribution API with its
 * JSON error body, whatever Tomcat or Spring would make of the path on their own: dot segments
 * (plain, percent-encoded, overlong UTF-8), encoded slashes and backslashes, double slashes,
 * path parameters, control characters, names beyond any limit, unknown routes and methods, and
 * malformed query strings. Sent over a plain socket, as Java's client refuses most of them.
 */
class HostilePathsTest extends RegistryTestSupport {
    private final RawHttp raw = new RawHttp(registryUrl());

    static final List<String> HOSTILE_TARGETS = List.of(
            "/v2/..", "/v2/../", "/v2/../etc/passwd", "/v2/../api/v1/repositories", "/v2/..%2f..%2fetc/passwd",
            "/v2/%2e%2e", "/v2/%2e%2e/", "/v2/%2e%2e/%2e%2e/etc/passwd", "/v2/%2E%2E/api/v1/repositories",
            "/v2/.%2e/x/tags/list", "/v2/a/../b/tags/list", "/v2/a/%2e%2e/b/tags/list", "/v2/./a/tags/list",
            "/v2/a/./tags/list", "/v2/a/tags/list/..", "/v2/a/tags/list/%2e%2e", "/v2/a/blobs/..",
            "/v2/%c0%ae%c0%ae/etc/passwd", "/v2/a/%u002e%u002e/tags/list",
            "/v2/a%2fb/tags/list", "/v2/a%2Fb/tags/list", "/v2/a%5cb/tags/list", "/v2/a\\b/tags/list",
            "/v2/..\\..\\etc/passwd", "/v2//a/tags/list", "/v2/a//b/tags/list", "/v2///", "/v2/a/tags//list",
            "/v2/a;x=y/tags/list", "/v2/a/tags/list;jsessionid=1", "/v2/;/tags/list", "/v2/a/manifests/;",
            "/v2/a%00b/tags/list", "/v2/a%0d%0ab/tags/list", "/v2/a%09/tags/list", "/v2/%ff%fe/tags/list",
            "/v2/%c3%28/tags/list", "/v2/%e2%82/tags/list", "/v2/a%/tags/list", "/v2/a%2/tags/list", "/v2/%zz",
            "/v2/a%20b/tags/list", "/v2/A/tags/list", "/v2/a-/tags/list", "/v2/-a/tags/list", "/v2/a__b/tags/list",
            "/v2/" + "a".repeat(256) + "/tags/list", "/v2/" + "a/".repeat(200) + "tags/list",
            "/v2/" + "a".repeat(6000) + "/tags/list", "/v2/a/manifests/" + "t".repeat(129),
            "/v2/a/manifests/" + "t".repeat(5000), "/v2/a/blobs/sha256:" + "a".repeat(5000),
            "/v2/a/manifests/-tag", "/v2/a/manifests/sha256:abc", "/v2/a/manifests/sha512:" + "a".repeat(64),
            "/v2/a/manifests/md5:" + "a".repeat(32), "/v2/a/blobs/sha256:" + "A".repeat(64), "/v2/a/blobs/x",
            "/v2/a/blobs/uploads/not-a-uuid", "/v2/a/blobs/uploads/" + "0".repeat(36), "/v2/a/blobs/uploads/..",
            "/v2/a/referrers/not-a-digest", "/v2/a/referrers/sha256:" + "a".repeat(63),
            "/v2/unknown", "/v2/a/unknown/b", "/v2/a/tags", "/v2/a/tags/list/extra", "/v2/_catalog/x",
            "/v2/a/tags/list?n=abc", "/v2/a/tags/list?n=-5", "/v2/a/tags/list?n=1e9", "/v2/a/tags/list?n=%zz",
            "/v2/a/tags/list?last=%zz", "/v2/a/tags/list?n=99999999999999999999", "/v2/_catalog?n=abc",
            "/v2/_catalog?n=%00", "/v2/_catalog?last=%", "/v2/a/tags/list?%%%", "/v2/a/tags/list?n=1&n=x",
            "/v2/a/referrers/sha256:" + "a".repeat(64) + "?artifactType=%zz",
            "/v2/%", "/v2/%%", "/v2/a/%", "/v2/*", "/v2/a/manifests/*", "/v2/a:b/tags/list", "/v2/a@b/tags/list");

    @Test
    void hostilePathsUnderV2AreAnsweredWithOciErrors() {
        assertAllOciErrors(HOSTILE_TARGETS);
    }

    @Test
    void dotSegmentsThatLeaveV2AreInvalidNamesNotSpringNotFound() {
        for (String target : List.of("/v2/..", "/v2/../api/v1/repositories", "/v2/%2e%2e/", "/v2/.%2e/x/tags/list",
                "/v2/%2E%2E/api/v1/repositories")) {
            RawHttp.Answer answer = raw.get(target);
            RawHttp.assertOciError(answer);
            assertThat(answer.status()).as("%s", answer).isEqualTo(400);
            assertThat(answer.text()).as("%s", answer).contains("NAME_INVALID");
        }
    }

    @Test
    void malformedQueryStringsAreBadRequestsNotFailures() {
        String repo = "/v2/" + SpecClient.uniqueRepository("query");
        for (String target : List.of(repo + "/tags/list?n=%zz", repo + "/tags/list?last=%zz", "/v2/_catalog?last=%",
                repo + "/tags/list?%%%", repo + "/blobs/uploads/?digest=%zz", repo + "/blobs/uploads/?mount=%&from=%")) {
            RawHttp.Answer answer = raw.send(target.contains("uploads") ? "POST" : "GET", target,
                    target.contains("uploads") ? new byte[0] : null, credentials());
            RawHttp.assertOciError(answer);
            assertThat(answer.status()).as("%s", answer).isEqualTo(400);
        }
    }

    @Test
    void methodsTheContainerRefusesAreUnsupportedInOciJson() {
        for (String method : List.of("TRACE", "CONNECT")) {
            RawHttp.Answer answer = raw.send(method, "/v2/a/tags/list", null);
            RawHttp.assertOciError(answer);
            assertThat(answer.status()).as("%s", answer).isEqualTo(405);
            assertThat(answer.text()).as("%s", answer).contains("UNSUPPORTED");
        }
    }

    /** The header line that signs the requests in as the suites' user, when the registry wants one. */
    private static String[] credentials() {
        TestAccount account = registryAccount();
        return account == null ? new String[0] : new String[] {"Authorization: Basic " + Base64.getEncoder()
                .encodeToString((account.username() + ":" + account.password()).getBytes(StandardCharsets.UTF_8))};
    }

    private void assertAllOciErrors(List<String> targets) {
        List<String> failures = new ArrayList<>();
        for (String target : targets) {
            RawHttp.Answer answer = raw.get(target);
            try {
                RawHttp.assertOciError(answer);
            } catch (AssertionError e) {
                failures.add(answer.toString());
            }
        }
        assertThat(failures).as("answers that are not OCI errors").isEmpty();
    }

    @Test
    void unknownAndUnsupportedMethodsAreAnsweredWithOciErrors() {
        List<String> failures = new ArrayList<>();
        for (String method : List.of("FOO", "OPTIONS", "TRACE", "PROPFIND", "CONNECT", "PATCH", "POST", "PUT",
                "DELETE")) {
            for (String target : List.of("/v2/", "/v2/a/tags/list", "/v2/a/manifests/latest", "/v2/_catalog",
                    "/v2/a/blobs/sha256:" + "a".repeat(64), "/v2/a/referrers/sha256:" + "a".repeat(64))) {
                if ((method.equals("PUT") || method.equals("DELETE")) && target.contains("/manifests/")
                        || method.equals("DELETE") && target.contains("/blobs/")) {
                    continue; // supported there: answered by the route itself
                }
                RawHttp.Answer answer = raw.send(method, target, method.equals("GET") ? null : new byte[0]);
                try {
                    RawHttp.assertOciError(answer);
                } catch (AssertionError e) {
                    failures.add(answer.toString());
                }
            }
        }
        assertThat(failures).as("answers that are not OCI errors").isEmpty();
    }
}
