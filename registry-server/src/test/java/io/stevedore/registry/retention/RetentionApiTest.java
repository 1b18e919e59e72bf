package io.stevedore.registry.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.json.Json;
import io.stevedore.registry.AuthRegistryTestSupport;
import io.stevedore.registry.retention.Pushes.Pushed;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Retention policies through the API of a real server with authentication on: a repository with
 * tags pushed in a known order, untagged manifests old and young, indexes and referrers; the dry
 * run lists exactly what the real run then deletes, and everything kept still pulls.
 */
class RetentionApiTest extends AuthRegistryTestSupport {

    @Test
    void aDryRunListsExactlyWhatTheRealRunThenDeletesAndEverythingKeptStillPulls() {
        TestUser alice = newUser("alice");
        String repository = alice.name() + "/app";
        Pushes push = new Pushes(alice.basic(), repository);

        Pushed release1 = push.image("release-1");
        Pushed release2 = push.image("release-2");
        List<Pushed> v = new ArrayList<>();
        v.add(null);
        for (int i = 1; i <= 10; i++) {
            v.add(push.image("v" + i));
        }
        push.manifest("latest", Pushes.IMAGE, v.get(2).manifest());
        Pushed child1 = push.image(null);
        Pushed child2 = push.image(null);
        Pushed multi = push.index("multi", child1, child2);
        Pushed oldChild1 = push.image(null);
        Pushed oldChild2 = push.image(null);
        Pushed oldIndex = push.index(null, oldChild1, oldChild2);
        Pushed youngChild = push.image(null);
        Pushed youngIndex = push.index(null, youngChild);
        Pushed oldUntagged = push.image(null);
        Pushed youngUntagged = push.image(null);
        Pushed signatureOfKept = push.referrer(v.get(10));
        Pushed signatureOfDeleted = push.referrer(v.get(1));
        pushedLongAgo(repository, oldChild1, oldChild2, oldIndex, youngChild, oldUntagged, signatureOfKept,
                signatureOfDeleted, v.get(1), v.get(3), v.get(5));
        api(200, "PUT", "/api/v1/immutable-tags/repositories/" + repository, Map.of("patterns", List.of("v4")),
                alice.basic());
        JsonNode policy = api(200, "PUT", "/api/v1/retention/repositories/" + repository, Map.of(
                "keep", List.of(Map.of("pattern", "v*", "last", 3), Map.of("pattern", "release-*", "last", 0)),
                "protect", List.of("release-*"), "untaggedOlderThan", "7d"), alice.basic()).json();
        assertThat(policy.get("appliesFrom").asString()).isEqualTo("repository " + repository);
        assertThat(policy.get("untaggedOlderThan").asString()).isEqualTo("7d");

        List<String> tagsBefore = push.tags();
        JsonNode dry = api(200, "POST", "/api/v1/retention/run/repositories/" + repository + "?dryRun=true", null,
                alice.basic()).json();
        assertThat(dry.get("dryRun").asBoolean()).isTrue();
        JsonNode planned = dry.get("repositories").get(0);
        assertThat(planned.get("policy").asString()).isEqualTo("repository " + repository);
        List<String> expectedTags = List.of("v1", "v2", "v3", "v5", "v6", "v7");
        assertThat(field(planned.get("tags"), "tag")).as("v4 is immutable; release-* protected; latest matches no rule")
                .containsExactlyElementsOf(expectedTags);
        for (JsonNode tag : planned.get("tags")) {
            assertThat(tag.get("reason").asString()).startsWith("not among the last 3 pushed tags matching v*");
            assertThat(tag.get("digest").asString()).isEqualTo(v.get(Integer.parseInt(
                    tag.get("tag").asString().substring(1))).digest());
        }
        Set<String> expectedManifests = Set.of(v.get(1).digest(), v.get(3).digest(), v.get(5).digest(),
                v.get(6).digest(), v.get(7).digest(), signatureOfDeleted.digest(), oldIndex.digest(),
                oldChild1.digest(), oldChild2.digest(), oldUntagged.digest());
        assertThat(field(planned.get("manifests"), "digest")).as("v2 stays: latest points at it")
                .containsExactlyInAnyOrderElementsOf(expectedManifests);
        assertThat(reasonOf(planned, oldUntagged.digest())).startsWith("untagged, pushed ");
        assertThat(reasonOf(planned, v.get(6).digest())).isEqualTo("its tags v6 are deleted by this policy");
        assertThat(reasonOf(planned, signatureOfDeleted.digest()))
                .isEqualTo("reached only through tags this policy deletes");

        assertThat(push.tags()).as("a dry run changes nothing").isEqualTo(tagsBefore);
        for (String digest : expectedManifests) {
            assertThat(push.manifestStatus(digest)).as("after the dry run, %s", digest).isEqualTo(200);
        }

        JsonNode real = api(200, "POST", "/api/v1/retention/run/repositories/" + repository, null, alice.basic())
                .json();
        JsonNode done = real.get("repositories").get(0);
        assertThat(field(done.get("tags"), "tag")).containsExactlyElementsOf(expectedTags);
        assertThat(field(done.get("manifests"), "digest")).containsExactlyInAnyOrderElementsOf(expectedManifests);
        assertThat(done.get("skipped")).isEmpty();

        List<String> kept = List.of("latest", "multi", "release-1", "release-2", "v10", "v4", "v8", "v9");
        assertThat(push.tags()).containsExactlyElementsOf(kept);
        for (String digest : expectedManifests) {
            assertThat(push.manifestStatus(digest)).as("deleted %s", digest).isEqualTo(404);
        }
        for (Pushed stays : List.of(v.get(2), v.get(4), v.get(8), v.get(9), v.get(10), release1, release2, multi,
                child1, child2, youngIndex, youngChild, youngUntagged, signatureOfKept)) {
            assertThat(push.manifestStatus(stays.digest())).as("kept %s", stays.digest()).isEqualTo(200);
            for (String blob : stays.blobs()) {
                assertThat(push.blobStatus(blob)).as("blob %s of kept %s", blob, stays.digest()).isEqualTo(200);
            }
        }
        for (String tag : kept) {
            assertThat(push.manifestStatus(tag)).as("pull of kept tag %s", tag).isEqualTo(200);
        }

        JsonNode audit = auditEntries("repository=" + repository + "&action=tag.deleted");
        assertThat(audit).hasSize(expectedTags.size());
        assertThat(audit.get(0).get("actor").asString()).isEqualTo(alice.name());
        assertThat(audit.get(0).get("detail").get("retention").asString()).isEqualTo("repository " + repository);
        assertThat(auditEntries("repository=" + repository + "&action=manifest.deleted"))
                .hasSize(expectedManifests.size());

        JsonNode again = api(200, "POST", "/api/v1/retention/run/repositories/" + repository, null, alice.basic())
                .json().get("repositories").get(0);
        assertThat(again.get("tags")).as("a second run finds nothing more").isEmpty();
        assertThat(again.get("manifests")).isEmpty();
        JsonNode after = api(200, "GET", "/api/v1/retention/repositories/" + repository, null, alice.basic()).json();
        assertThat(after.get("lastRun").get("tags").asInt()).isZero();
    }

    @Test
    void aNamespacePolicyAppliesToEveryRepositoryWithoutOneOfItsOwn() {
        TestUser owner = newUser("owner");
        String org = newOrganization("acme", owner);
        Pushes app = new Pushes(owner.basic(), org + "/app");
        Pushes api = new Pushes(owner.basic(), org + "/api");
        Pushes own = new Pushes(owner.basic(), org + "/own");
        for (Pushes push : List.of(app, api, own)) {
            for (int i = 1; i <= 3; i++) {
                push.image("build-" + i);
            }
        }
        api(200, "PUT", "/api/v1/retention/namespaces/" + org,
                Map.of("keep", List.of(Map.of("pattern", "build-*", "last", 1))), owner.basic());
        api(200, "PUT", "/api/v1/retention/repositories/" + org + "/own",
                Map.of("keep", List.of(Map.of("pattern", "build-*", "last", 2))), owner.basic());
        JsonNode inherited = api(200, "GET", "/api/v1/retention/repositories/" + org + "/app", null, owner.basic())
                .json();
        assertThat(inherited.get("appliesFrom").asString()).isEqualTo("namespace " + org);

        JsonNode runs = api(200, "POST", "/api/v1/retention/run/namespaces/" + org, null, owner.basic()).json()
                .get("repositories");
        assertThat(field(runs, "repository")).as("own has a policy of its own")
                .containsExactly(org + "/api", org + "/app");
        assertThat(app.tags()).containsExactly("build-3");
        assertThat(api.tags()).containsExactly("build-3");
        assertThat(own.tags()).containsExactly("build-1", "build-2", "build-3");

        api(200, "POST", "/api/v1/retention/run/repositories/" + org + "/own", null, owner.basic());
        assertThat(own.tags()).as("its own policy: the last 2").containsExactly("build-2", "build-3");
        JsonNode namespacePolicy = api(200, "GET", "/api/v1/retention/namespaces/" + org, null, owner.basic()).json();
        assertThat(namespacePolicy.get("lastRun").get("tags").asInt()).isEqualTo(4);
    }

    @Test
    void theScheduleRunsEveryPolicyOnOneReplicaAtATime() {
        TestUser carol = newUser("carol");
        String repository = carol.name() + "/app";
        Pushes push = new Pushes(carol.basic(), repository);
        push.image("a");
        push.image("b");
        api(200, "PUT", "/api/v1/retention/namespaces/" + carol.name(),
                Map.of("keep", List.of(Map.of("pattern", "*", "last", 1))), carol.basic());
        RetentionSchedule schedule = authContext().getBean(RetentionSchedule.class);
        io.stevedore.registry.cluster.SingleReplica replicas =
                authContext().getBean(io.stevedore.registry.cluster.SingleReplica.class);

        Boolean whileHeld = replicas.runIfFree(RetentionSchedule.TASK, schedule::runOnce).orElseThrow();
        assertThat(whileHeld).as("another replica holds the schedule: this one skips its turn").isFalse();
        assertThat(push.tags()).containsExactly("a", "b");

        assertThat(schedule.runOnce()).isTrue();
        assertThat(push.tags()).containsExactly("b");
        JsonNode audit = auditEntries("repository=" + repository + "&action=tag.deleted");
        assertThat(audit.get(0).get("actor").isNull()).as("the schedule deleted it, no account").isTrue();
        assertThat(audit.get(0).get("detail").get("retention").asString()).isEqualTo("namespace " + carol.name());
    }

    @Test
    void onlyAdminsOfTheRepositoryOrNamespaceMaySetOrRunPolicies() {
        TestUser owner = newUser("owner");
        TestUser member = newUser("member");
        String org = newOrganization("corp", owner);
        String repository = org + "/app";
        new Pushes(owner.basic(), repository).image("v1");
        api(200, "PUT", "/api/v1/orgs/" + org + "/members/" + member.name(), Map.of("admin", false), owner.basic());
        api(201, "POST", "/api/v1/orgs/" + org + "/teams", Map.of("name", "devs"), owner.basic());
        api(204, "PUT", "/api/v1/orgs/" + org + "/teams/devs/members/" + member.name(), null, owner.basic());
        api(200, "PUT", "/api/v1/orgs/" + org + "/teams/devs/permissions",
                Map.of("repository", repository, "role", "write"), owner.basic());
        Map<String, Object> policy = Map.of("keep", List.of(Map.of("pattern", "*", "last", 0)));
        api(200, "PUT", "/api/v1/retention/repositories/" + repository, policy, owner.basic());

        assertThat(api(200, "GET", "/api/v1/retention/repositories/" + repository, null, member.basic()).json()
                .get("keep").get(0).get("last").asInt()).as("writers may read the policy").isZero();
        for (String[] call : new String[][] {
                {"PUT", "/api/v1/retention/repositories/" + repository},
                {"DELETE", "/api/v1/retention/repositories/" + repository},
                {"POST", "/api/v1/retention/run/repositories/" + repository + "?dryRun=true"},
                {"PUT", "/api/v1/retention/namespaces/" + org},
                {"GET", "/api/v1/retention/namespaces/" + org},
                {"POST", "/api/v1/retention/run/namespaces/" + org},
                {"PUT", "/api/v1/immutable-tags/repositories/" + repository},
                {"PUT", "/api/v1/immutable-tags/namespaces/" + org}}) {
            Object body = call[0].equals("PUT") ? (call[1].contains("immutable") ? Map.of("patterns", List.of("*"))
                    : policy) : null;
            Response refused = api(call[0], call[1], body, member.basic());
            assertThat(refused.status()).as("%s %s as a writer: %s", call[0], call[1], refused.body()).isEqualTo(403);
            assertThat(refused.json().get("code").asString()).isEqualTo("FORBIDDEN");
            Response anonymous = send(call[0], call[1], body == null ? null : Json.MAPPER.writeValueAsBytes(body),
                    "Content-Type", "application/json");
            assertThat(anonymous.status()).as("%s %s anonymously: %s", call[0], call[1], anonymous.body())
                    .isEqualTo(401);
        }
        assertThat(new Pushes(owner.basic(), repository).tags()).as("nothing ran").containsExactly("v1");
        api(400, "PUT", "/api/v1/retention/repositories/" + repository,
                Map.of("keep", List.of(Map.of("pattern", "v/*", "last", 1))), owner.basic());
        api(400, "PUT", "/api/v1/retention/repositories/" + repository,
                Map.of("untaggedOlderThan", "a week"), owner.basic());
        api(400, "PUT", "/api/v1/retention/repositories/" + repository, Map.of("protect", List.of("v*")),
                owner.basic());
        api(404, "POST", "/api/v1/retention/run/repositories/" + owner.name() + "/none", null, owner.basic());
        api(204, "DELETE", "/api/v1/retention/repositories/" + repository, null, owner.basic());
        api(404, "GET", "/api/v1/retention/repositories/" + repository, null, owner.basic());
    }

    /** Sets the push time of the manifests 30 days back, as if pushed then. */
    private static void pushedLongAgo(String repository, Pushed... manifests) {
        JdbcClient jdbc = authContext().getBean(JdbcClient.class);
        for (Pushed manifest : manifests) {
            jdbc.sql("""
                    update manifests set created_at = now() - interval '30 days'
                    where digest = ? and repository_id = (select id from repositories where name = ?)""")
                    .params(manifest.digest(), repository).update();
        }
    }

    private static List<String> field(JsonNode array, String name) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.get(name).asString()));
        return values;
    }

    private static String reasonOf(JsonNode run, String digest) {
        Set<String> seen = new HashSet<>();
        for (JsonNode manifest : run.get("manifests")) {
            seen.add(manifest.get("digest").asString());
            if (manifest.get("digest").asString().equals(digest)) {
                return manifest.get("reason").asString();
            }
        }
        throw new AssertionError(digest + " not among " + seen);
    }
}
