package io.stevedore.registry.builds;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.json.Json;
import io.stevedore.registry.AuthRegistryTestSupport;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Build triggers through their HTTP API against the real server and PostgreSQL: real git
 * repositories (Debian git, file URLs) whose commits and tags are announced with the payloads
 * GitHub, GitLab and the generic form send, signed or not. Every build a test queues is ended
 * before the test returns, so the queue is left as it was found.
 */
class BuildTriggersTest extends AuthRegistryTestSupport {
    private static final String ZEROS = "0".repeat(40);

    @TempDir
    Path temp;

    @Test
    void aSignedGitHubPushBuildsThePushedCommitOfTheConfiguredRepositoryAsTheTriggersCreator() throws Exception {
        TestUser alice = newUser("alice");
        GitRepo git = GitRepo.create(temp.resolve("app"));
        String sha = git.commit("app/Dockerfile", "FROM busybox\nARG V\nRUN echo $V\n");
        String repository = alice.name() + "/app";
        Map<String, Object> definition = new LinkedHashMap<>();
        definition.put("repository", repository);
        definition.put("git", Map.of("url", git.url(), "secret", "token-123"));
        definition.put("branches", List.of("main", "release/*"));
        definition.put("tags", List.of("v*"));
        definition.put("dockerfile", "Dockerfile");
        definition.put("subdir", "app");
        definition.put("tagTemplates", List.of("{branch}", "build-{sha:7}"));
        definition.put("latest", true);
        definition.put("buildArgs", Map.of("V", "1"));
        definition.put("platforms", List.of("linux/amd64"));
        JsonNode trigger = api(201, "POST", "/api/v1/builds/triggers", definition, alice.basic()).json();
        long id = trigger.get("id").asLong();
        String secret = trigger.get("secret").asString();
        assertThat(trigger.get("webhooks").get("github").asString())
                .isEqualTo(authRegistryUrl() + "/api/v1/builds/triggers/" + id + "/webhook/github");
        assertThat(trigger.get("git").get("private").asBoolean()).isTrue();

        Response pushed = github(id, secret, "push", UUID.randomUUID().toString(),
                githubPush(alice.name() + "/app", "refs/heads/main", ZEROS, sha, "main"));
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(202);
        long build = pushed.json().get("build").asLong();
        List<String> tags = List.of(repository + ":main", repository + ":build-" + sha.substring(0, 7),
                repository + ":latest");
        assertThat(strings(pushed.json().get("tags"))).isEqualTo(tags);

        JsonNode status = api(200, "GET", "/api/v1/builds/" + build, null, alice.basic()).json();
        assertThat(status.get("status").asString()).isEqualTo("queued");
        assertThat(status.get("submittedBy").asString()).isEqualTo(alice.name());
        assertThat(status.get("source").get("git").get("url").asString()).as("the trigger's URL, not the payload's")
                .isEqualTo(git.url());
        assertThat(status.get("source").get("git").get("ref").asString()).isEqualTo(sha);
        assertThat(status.get("source").get("git").get("subdir").asString()).isEqualTo("app");
        assertThat(strings(status.get("tags"))).isEqualTo(tags);

        JsonNode job = lease(build);
        assertThat(job.get("git").get("url").asString()).isEqualTo(git.url());
        assertThat(job.get("git").get("ref").asString()).isEqualTo(sha);
        assertThat(job.get("git").get("subdir").asString()).isEqualTo("app");
        assertThat(job.get("git").get("secret").asString()).isEqualTo("git-credentials");
        assertThat(new String(Base64.getDecoder().decode(job.get("secrets").get("git-credentials").asString()),
                StandardCharsets.UTF_8)).isEqualTo("token-123");
        assertThat(strings(job.get("tags"))).isEqualTo(tags);
        assertThat(job.get("dockerfile").asString()).isEqualTo("Dockerfile");
        assertThat(job.get("buildArgs").get("V").asString()).isEqualTo("1");
        assertThat(strings(job.get("platforms"))).containsExactly("linux/amd64");
        assertThat(job.get("labels").get("org.opencontainers.image.revision").asString()).isEqualTo(sha);
        assertThat(job.get("credentials").get("username").asString()).isEqualTo("build@" + build);
        finish(build, job.get("attempt").asInt());

        JsonNode deliveries = api(200, "GET", "/api/v1/builds/triggers/" + id + "/deliveries", null, alice.basic())
                .json();
        assertThat(deliveries).hasSize(1);
        assertThat(deliveries.get(0).get("outcome").asString()).isEqualTo("queued");
        assertThat(deliveries.get(0).get("build").asLong()).isEqualTo(build);
        assertThat(deliveries.get(0).get("sha").asString()).isEqualTo(sha);
        JsonNode audit = auditEntries("action=build.triggered&repository=" + repository);
        assertThat(audit).hasSize(1);
        assertThat(audit.get(0).get("actor").asString()).isEqualTo(alice.name());
        assertThat(audit.get(0).get("detail").get("build").asLong()).isEqualTo(build);
    }

    @Test
    void deliveriesThatAreNotSignedWithTheSecretGet401AndQueueNothing() throws Exception {
        TestUser bob = newUser("bob");
        GitRepo git = GitRepo.create(temp.resolve("app"));
        String sha = git.commit("Dockerfile", "FROM busybox\n");
        JsonNode trigger = createTrigger(bob, git, List.of("main"), List.of(), List.of("{branch}"), false);
        long id = trigger.get("id").asLong();
        String secret = trigger.get("secret").asString();
        byte[] body = githubPush(bob.name() + "/app", "refs/heads/main", ZEROS, sha, "main");
        byte[] other = githubPush(bob.name() + "/app", "refs/heads/main", ZEROS, git.commit("a", "a"), "main");

        List<Response> refused = new ArrayList<>();
        refused.add(webhook(id, "github", body, "X-GitHub-Event", "push", "X-GitHub-Delivery", "d1",
                "X-Hub-Signature-256", "sha256=" + hmac("not-the-secret", body)));
        refused.add(webhook(id, "github", body, "X-GitHub-Event", "push", "X-GitHub-Delivery", "d2"));
        refused.add(webhook(id, "github", body, "X-GitHub-Event", "push", "X-GitHub-Delivery", "d3",
                "X-Hub-Signature-256", "sha256=" + hmac(secret, other)));
        refused.add(webhook(id, "github", body, "X-GitHub-Event", "push", "X-GitHub-Delivery", "d4",
                "X-Hub-Signature-256", hmac(secret, body)));
        refused.add(webhook(id, "github", body, "X-GitHub-Event", "ping", "X-GitHub-Delivery", "d5",
                "X-Hub-Signature-256", "sha256=" + hmac(secret, other)));
        byte[] gitlab = gitlabPush("Push Hook", "refs/heads/main", ZEROS, sha, sha, "main");
        refused.add(webhook(id, "gitlab", gitlab, "X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", secret + "x"));
        refused.add(webhook(id, "gitlab", gitlab, "X-Gitlab-Event", "Push Hook"));
        byte[] generic = generic("refs/heads/main", sha, "g1");
        refused.add(webhook(id, "generic", generic, "X-Stevedore-Signature", "sha256=" + hmac(secret, other)));
        refused.add(webhook(id + 1_000_000, "github", body, "X-GitHub-Event", "push", "X-GitHub-Delivery", "d6",
                "X-Hub-Signature-256", "sha256=" + hmac(secret, body)));
        for (Response response : refused) {
            assertThat(response.status()).as(response.body()).isEqualTo(401);
            assertThat(response.json().get("code").asString()).isEqualTo("UNAUTHORIZED");
        }
        assertThat(history(bob, bob.name() + "/app")).isEmpty();
        assertThat(api(200, "GET", "/api/v1/builds/triggers/" + id + "/deliveries", null, bob.basic()).json())
                .as("nothing unsigned is even logged").isEmpty();

        Response signed = github(id, secret, "push", "d1", body);
        assertThat(signed.status()).as("a delivery id an unsigned request named is still free: %s", signed.body())
                .isEqualTo(202);
        cancel(bob, signed.json().get("build").asLong());
    }

    @Test
    void aReplayedDeliveryStartsNothingTwice() throws Exception {
        TestUser carol = newUser("carol");
        GitRepo git = GitRepo.create(temp.resolve("app"));
        String sha = git.commit("Dockerfile", "FROM busybox\n");
        JsonNode trigger = createTrigger(carol, git, List.of("main"), List.of(), List.of("{sha:7}"), false);
        long id = trigger.get("id").asLong();
        byte[] body = githubPush(carol.name() + "/app", "refs/heads/main", ZEROS, sha, "main");
        String delivery = UUID.randomUUID().toString();

        Response first = github(id, trigger.get("secret").asString(), "push", delivery, body);
        assertThat(first.status()).as(first.body()).isEqualTo(202);
        long build = first.json().get("build").asLong();
        Response again = github(id, trigger.get("secret").asString(), "push", delivery, body);
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("duplicate").asBoolean()).isTrue();
        assertThat(again.json().get("build").asLong()).isEqualTo(build);
        assertThat(history(carol, carol.name() + "/app")).hasSize(1);
        cancel(carol, build);

        // the same delivery at once from many senders: one build, whoever wins
        String concurrent = UUID.randomUUID().toString();
        List<Future<Response>> racing = new ArrayList<>();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 8; i++) {
                racing.add(senders.submit(() -> github(id, trigger.get("secret").asString(), "push", concurrent, body)));
            }
        }
        List<Long> builds = new ArrayList<>();
        int accepted = 0;
        for (Future<Response> response : racing) {
            Response answer = response.get();
            assertThat(answer.status()).as(answer.body()).isIn(200, 202);
            accepted += answer.status() == 202 ? 1 : 0;
            builds.add(answer.json().get("build").asLong());
        }
        assertThat(accepted).isEqualTo(1);
        assertThat(builds).containsOnly(builds.getFirst());
        assertThat(history(carol, carol.name() + "/app")).hasSize(2);
        cancel(carol, builds.getFirst());
    }

    @Test
    void pushesOutsideTheFiltersDeletionsPingsAndOtherEventsAreAcknowledgedAndIgnored() throws Exception {
        TestUser dave = newUser("dave");
        GitRepo git = GitRepo.create(temp.resolve("app"));
        String sha = git.commit("Dockerfile", "FROM busybox\n");
        git.run("branch", "feature/x");
        git.run("tag", "nightly");
        JsonNode trigger = createTrigger(dave, git, List.of("main"), List.of("v*"), List.of("{branch}"), false);
        long id = trigger.get("id").asLong();
        String secret = trigger.get("secret").asString();
        String app = dave.name() + "/app";

        Response feature = github(id, secret, "push", "f1", githubPush(app, "refs/heads/feature/x", ZEROS, sha, "main"));
        assertThat(feature.status()).as(feature.body()).isEqualTo(200);
        assertThat(feature.json().get("ignored").asString()).isEqualTo("refs/heads/feature/x matches no filter");
        Response tag = github(id, secret, "push", "f2", githubPush(app, "refs/tags/nightly", ZEROS, sha, "main"));
        assertThat(tag.json().get("ignored").asString()).isEqualTo("refs/tags/nightly matches no filter");
        Map<String, Object> deletion = githubPushPayload(app, "refs/heads/main", sha, ZEROS, "main");
        deletion.put("deleted", true);
        deletion.put("head_commit", null);
        Response deleted = github(id, secret, "push", "f3", Json.MAPPER.writeValueAsBytes(deletion));
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        assertThat(deleted.json().get("ignored").asString()).isEqualTo("refs/heads/main was deleted");
        Response matchedButUntagged = github(id, secret, "push", "f4",
                githubPush(app, "refs/tags/v1", ZEROS, sha, "main"));
        assertThat(matchedButUntagged.json().get("ignored").asString()).isEqualTo("no tag template applies to refs/tags/v1");

        byte[] ping = Json.MAPPER.writeValueAsBytes(Map.of("zen", "Keep it logically awesome.", "hook_id", 1,
                "hook", Map.of("type", "Repository", "events", List.of("push"))));
        Response pong = github(id, secret, "ping", "f5", ping);
        assertThat(pong.status()).as(pong.body()).isEqualTo(200);
        assertThat(pong.json().get("ok").asBoolean()).isTrue();
        Response issue = github(id, secret, "issues", "f6", "{\"action\":\"opened\"}".getBytes());
        assertThat(issue.status()).isEqualTo(200);
        assertThat(issue.json().get("ignored").asString()).contains("issues");

        assertThat(history(dave, app)).isEmpty();
        JsonNode deliveries = api(200, "GET", "/api/v1/builds/triggers/" + id + "/deliveries", null, dave.basic())
                .json();
        assertThat(deliveries).hasSize(4);
        for (JsonNode delivery : deliveries) {
            assertThat(delivery.get("outcome").asString()).isEqualTo("ignored");
            assertThat(delivery.get("build").isNull()).isTrue();
        }
    }

    @Test
    void aTagPushBuildsTheTaggedCommitWithTheTagTemplateAndNoLatest() throws Exception {
        TestUser erin = newUser("erin");
        GitRepo git = GitRepo.create(temp.resolve("app"));
        String commit = git.commit("Dockerfile", "FROM busybox\n");
        git.run("tag", "-a", "v1.2.3", "-m", "release 1.2.3");
        String tagObject = git.run("rev-parse", "v1.2.3");
        assertThat(tagObject).as("an annotated tag is an object of its own").isNotEqualTo(commit);
        JsonNode trigger = createTrigger(erin, git, List.of("main"), List.of("v*"),
                List.of("{branch}", "{tag}", "git-{sha:7}"), true);
        String app = erin.name() + "/app";

        // GitHub names the tag object in "after" and the tagged commit in head_commit
        Map<String, Object> payload = githubPushPayload(app, "refs/tags/v1.2.3", ZEROS, tagObject, "main");
        payload.put("created", true);
        payload.put("base_ref", "refs/heads/main");
        payload.put("commits", List.of());
        payload.put("head_commit", commit(commit));
        Response pushed = github(trigger.get("id").asLong(), trigger.get("secret").asString(), "push",
                UUID.randomUUID().toString(), Json.MAPPER.writeValueAsBytes(payload));
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(202);
        assertThat(strings(pushed.json().get("tags"))).containsExactly(app + ":v1.2.3",
                app + ":git-" + commit.substring(0, 7));
        long build = pushed.json().get("build").asLong();
        JsonNode status = api(200, "GET", "/api/v1/builds/" + build, null, erin.basic()).json();
        assertThat(status.get("source").get("git").get("ref").asString()).isEqualTo(commit);
        cancel(erin, build);
    }

    @Test
    void latestComesOnlyWithAPushToTheDefaultBranch() throws Exception {
        TestUser frank = newUser("frank");
        GitRepo git = GitRepo.create(temp.resolve("app"));
        String main = git.commit("Dockerfile", "FROM busybox\n");
        git.run("checkout", "-q", "-b", "release/1.x");
        String release = git.commit("Dockerfile", "FROM busybox\nRUN true\n");
        JsonNode trigger = createTrigger(frank, git, List.of("main", "release/*"), List.of(), List.of("{branch}"),
                true);
        long id = trigger.get("id").asLong();
        String secret = trigger.get("secret").asString();
        String app = frank.name() + "/app";

        Response toRelease = github(id, secret, "push", "l1", githubPush(app, "refs/heads/release/1.x", ZEROS,
                release, "main"));
        assertThat(toRelease.status()).as(toRelease.body()).isEqualTo(202);
        assertThat(strings(toRelease.json().get("tags"))).containsExactly(app + ":release-1.x");
        cancel(frank, toRelease.json().get("build").asLong());

        Response toMain = github(id, secret, "push", "l2", githubPush(app, "refs/heads/main", ZEROS, main, "main"));
        assertThat(toMain.status()).as(toMain.body()).isEqualTo(202);
        assertThat(strings(toMain.json().get("tags"))).containsExactly(app + ":main", app + ":latest");
        cancel(frank, toMain.json().get("build").asLong());
    }

    @Test
    void gitLabPushAndTagPushHooksWithTheirToken() throws Exception {
        TestUser gina = newUser("gina");
        GitRepo git = GitRepo.create(temp.resolve("app"));
        String before = git.commit("Dockerfile", "FROM busybox\n");
        String commit = git.commit("Dockerfile", "FROM busybox\nRUN true\n");
        git.run("tag", "-a", "v2.0.0", "-m", "two");
        String tagObject = git.run("rev-parse", "v2.0.0");
        JsonNode trigger = createTrigger(gina, git, List.of("main"), List.of("v*"), List.of("{branch}", "{tag}"),
                true);
        long id = trigger.get("id").asLong();
        String secret = trigger.get("secret").asString();
        String app = gina.name() + "/app";
        String key = UUID.randomUUID().toString();

        byte[] push = gitlabPush("Push Hook", "refs/heads/main", before, commit, commit, "main");
        Response pushed = webhook(id, "gitlab", push, "X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", secret,
                "X-Gitlab-Event-UUID", UUID.randomUUID().toString(), "Idempotency-Key", key);
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(202);
        assertThat(strings(pushed.json().get("tags"))).containsExactly(app + ":main", app + ":latest");
        long build = pushed.json().get("build").asLong();
        JsonNode status = api(200, "GET", "/api/v1/builds/" + build, null, gina.basic()).json();
        assertThat(status.get("source").get("git").get("url").asString()).isEqualTo(git.url());
        assertThat(status.get("source").get("git").get("ref").asString()).isEqualTo(commit);
        cancel(gina, build);

        Response retried = webhook(id, "gitlab", push, "X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", secret,
                "X-Gitlab-Event-UUID", UUID.randomUUID().toString(), "Idempotency-Key", key);
        assertThat(retried.json().get("duplicate").asBoolean()).as(retried.body()).isTrue();
        assertThat(retried.json().get("build").asLong()).isEqualTo(build);

        // for an annotated tag, "after" is the tag object and checkout_sha the commit
        byte[] tagPush = gitlabPush("Tag Push Hook", "refs/tags/v2.0.0", ZEROS, tagObject, commit, "main");
        Response tagged = webhook(id, "gitlab", tagPush, "X-Gitlab-Event", "Tag Push Hook", "X-Gitlab-Token", secret,
                "X-Gitlab-Event-UUID", UUID.randomUUID().toString());
        assertThat(tagged.status()).as(tagged.body()).isEqualTo(202);
        assertThat(strings(tagged.json().get("tags"))).containsExactly(app + ":v2.0.0");
        long tagBuild = tagged.json().get("build").asLong();
        assertThat(api(200, "GET", "/api/v1/builds/" + tagBuild, null, gina.basic()).json().get("source").get("git")
                .get("ref").asString()).isEqualTo(commit);
        cancel(gina, tagBuild);

        byte[] removed = gitlabPush("Push Hook", "refs/heads/main", commit, ZEROS, null, "main");
        Response deletion = webhook(id, "gitlab", removed, "X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", secret);
        assertThat(deletion.json().get("ignored").asString()).as(deletion.body()).isEqualTo("refs/heads/main was deleted");
        assertThat(history(gina, app)).hasSize(2);
    }

    @Test
    void theGenericFormIsSignedLikeGitHubsAndCarriesItsDeliveryId() throws Exception {
        TestUser hana = newUser("hana");
        GitRepo git = GitRepo.create(temp.resolve("app"));
        String sha = git.commit("Dockerfile", "FROM busybox\n");
        JsonNode trigger = createTrigger(hana, git, List.of("main"), List.of(), List.of("ci-{sha:10}"), false);
        long id = trigger.get("id").asLong();
        String secret = trigger.get("secret").asString();
        byte[] body = generic("refs/heads/main", sha, UUID.randomUUID().toString());

        Response pushed = webhook(id, "generic", body, "X-Stevedore-Signature", "sha256=" + hmac(secret, body));
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(202);
        assertThat(strings(pushed.json().get("tags"))).containsExactly(hana.name() + "/app:ci-" + sha.substring(0, 10));
        Response replayed = webhook(id, "generic", body, "X-Stevedore-Signature", "sha256=" + hmac(secret, body));
        assertThat(replayed.json().get("duplicate").asBoolean()).isTrue();
        cancel(hana, pushed.json().get("build").asLong());

        byte[] noCommit = "{\"ref\":\"refs/heads/main\",\"delivery\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        Response bad = webhook(id, "generic", noCommit, "X-Stevedore-Signature", "sha256=" + hmac(secret, noCommit));
        assertThat(bad.status()).as(bad.body()).isEqualTo(400);
        assertThat(history(hana, hana.name() + "/app")).hasSize(1);
    }

    @Test
    void gitHubsFormEncodedDeliveriesAreSignedOverTheFormBody() throws Exception {
        TestUser ivan = newUser("ivan");
        GitRepo git = GitRepo.create(temp.resolve("app"));
        String sha = git.commit("Dockerfile", "FROM busybox\n");
        JsonNode trigger = createTrigger(ivan, git, List.of("main"), List.of(), List.of("{branch}"), false);
        String json = new String(githubPush(ivan.name() + "/app", "refs/heads/main", ZEROS, sha, "main"),
                StandardCharsets.UTF_8);
        byte[] form = ("payload=" + URLEncoder.encode(json, StandardCharsets.UTF_8)).getBytes(StandardCharsets.US_ASCII);
        Response pushed = webhook(trigger.get("id").asLong(), "github", form,
                "Content-Type", "application/x-www-form-urlencoded", "X-GitHub-Event", "push",
                "X-GitHub-Delivery", UUID.randomUUID().toString(),
                "X-Hub-Signature-256", "sha256=" + hmac(trigger.get("secret").asString(), form));
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(202);
        cancel(ivan, pushed.json().get("build").asLong());
    }

    @Test
    void managingTriggersTakesTheAdminRoleAndTheSecretIsShownOnce() throws Exception {
        TestUser owner = newUser("owner");
        TestUser other = newUser("other");
        GitRepo git = GitRepo.create(temp.resolve("app"));
        git.commit("Dockerfile", "FROM busybox\n");
        String app = owner.name() + "/app";
        Map<String, Object> definition = Map.of("repository", app, "git", Map.of("url", git.url()),
                "branches", List.of("main"));

        Response refused = api("POST", "/api/v1/builds/triggers", definition, other.basic());
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("message").asString()).contains("admin role");
        assertThat(send("POST", "/api/v1/builds/triggers", Json.MAPPER.writeValueAsBytes(definition),
                "Content-Type", "application/json").status()).isEqualTo(401);
        String robot = owner.name() + "+ci";
        String robotToken = newRobot(robot, owner.basic());
        api(200, "PUT", "/api/v1/robots/" + robot + "/permissions", Map.of("repository", app, "role", "write"),
                owner.basic());
        Response writeOnly = api("POST", "/api/v1/builds/triggers", definition, basic(robot, robotToken));
        assertThat(writeOnly.status()).as("write access builds, but does not make triggers").isEqualTo(403);

        Response created = api(201, "POST", "/api/v1/builds/triggers", definition, owner.basic());
        long id = created.json().get("id").asLong();
        String secret = created.json().get("secret").asString();
        assertThat(secret).hasSizeGreaterThanOrEqualTo(40);
        assertThat(created.json().get("tagTemplates").toString()).isEqualTo("[\"{branch}\",\"{tag}\"]");
        assertThat(created.json().get("git").get("private").asBoolean()).isFalse();
        Response listed = api(200, "GET", "/api/v1/builds/triggers?repository=" + app, null, basic(robot, robotToken));
        assertThat(listed.json()).hasSize(1);
        Response one = api(200, "GET", "/api/v1/builds/triggers/" + id, null, owner.basic());
        for (Response view : List.of(listed, one)) {
            assertThat(view.body()).doesNotContain(secret).doesNotContain("\"secret\"");
        }
        assertThat(api("GET", "/api/v1/builds/triggers/" + id, null, other.basic()).status()).isEqualTo(404);
        assertThat(api("DELETE", "/api/v1/builds/triggers/" + id, null, other.basic()).status()).isEqualTo(404);
        assertThat(api("DELETE", "/api/v1/builds/triggers/" + id, null, basic(robot, robotToken)).status())
                .isEqualTo(403);

        JsonNode disabled = api(200, "PATCH", "/api/v1/builds/triggers/" + id, Map.of("enabled", false),
                owner.basic()).json();
        assertThat(disabled.get("enabled").asBoolean()).isFalse();
        String sha = git.run("rev-parse", "HEAD");
        Response whileDisabled = github(id, secret, "push", "m1", githubPush(app, "refs/heads/main", ZEROS, sha, "main"));
        assertThat(whileDisabled.json().get("ignored").asString()).as(whileDisabled.body())
                .isEqualTo("the trigger is disabled");

        api(204, "DELETE", "/api/v1/builds/triggers/" + id, null, owner.basic());
        assertThat(api("GET", "/api/v1/builds/triggers/" + id, null, owner.basic()).status()).isEqualTo(404);
        Response afterDelete = github(id, secret, "push", "m2", githubPush(app, "refs/heads/main", ZEROS, sha, "main"));
        assertThat(afterDelete.status()).isEqualTo(401);
        assertThat(history(owner, app)).isEmpty();
        assertThat(auditEntries("action=build.trigger-created&repository=" + app)).hasSize(1);
        assertThat(auditEntries("action=build.trigger-deleted&repository=" + app)).hasSize(1);
    }

    @Test
    void badTriggersGetAClearBadRequest() throws Exception {
        TestUser jane = newUser("jane");
        String app = jane.name() + "/app";
        Map<String, Object> git = Map.of("url", "https://git.example.com/app.git");
        assertBadTrigger(jane, Map.of("repository", app, "git", git), "branches or tags");
        assertBadTrigger(jane, Map.of("repository", app, "git", git, "branches", List.of("main"),
                "tagTemplates", List.of("{commit}")), "{commit}");
        assertBadTrigger(jane, Map.of("repository", app, "git", git, "branches", List.of("main branch")),
                "branches");
        assertBadTrigger(jane, Map.of("repository", app, "git", Map.of("url", "https://me:pw@git.example.com/a.git"),
                "branches", List.of("main")), "password");
        assertBadTrigger(jane, Map.of("repository", app, "git", Map.of("url", "--upload-pack=x"),
                "branches", List.of("main")), "git.url");
        assertBadTrigger(jane, Map.of("repository", app, "git", git, "branches", List.of("main"),
                "subdir", "../up"), "must not leave the context");
        assertBadTrigger(jane, Map.of("repository", app, "git", git, "branches", List.of("main"),
                "platforms", List.of("linux")), "bad platform");
        assertBadTrigger(jane, Map.of("repository", app, "git", git, "branches", List.of("main"),
                "tagTemplates", List.of()), "tagTemplates");

        JsonNode trigger = api(201, "POST", "/api/v1/builds/triggers", Map.of("repository", app, "git", git,
                "branches", List.of("main")), jane.basic()).json();
        byte[] huge = new byte[1024 * 1024 + 1];
        Response tooLarge = webhook(trigger.get("id").asLong(), "github", huge, "X-GitHub-Event", "push");
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(history(jane, app)).isEmpty();
    }

    // --- helpers

    private static void assertBadTrigger(TestUser user, Map<String, Object> body, String message) {
        Response response = api("POST", "/api/v1/builds/triggers", body, user.basic());
        assertThat(response.status()).as("%s: %s", body, response.body()).isEqualTo(400);
        assertThat(response.json().get("code").asString()).isEqualTo("BAD_REQUEST");
        assertThat(response.json().get("message").asString()).contains(message);
    }

    private static JsonNode createTrigger(TestUser user, GitRepo git, List<String> branches, List<String> tags,
                                          List<String> templates, boolean latest) {
        return api(201, "POST", "/api/v1/builds/triggers", Map.of("repository", user.name() + "/app",
                "git", Map.of("url", git.url()), "branches", branches, "tags", tags, "tagTemplates", templates,
                "latest", latest), user.basic()).json();
    }

    private static Response github(long trigger, String secret, String event, String delivery, byte[] body)
            throws GeneralSecurityException {
        return webhook(trigger, "github", body, "X-GitHub-Event", event, "X-GitHub-Delivery", delivery,
                "X-GitHub-Hook-ID", "1", "User-Agent", "GitHub-Hookshot/5f0e0c1",
                "X-Hub-Signature-256", "sha256=" + hmac(secret, body));
    }

    private static Response webhook(long trigger, String source, byte[] body, String... headers) {
        List<String> all = new ArrayList<>(List.of(headers));
        if (!all.contains("Content-Type")) {
            all.addAll(List.of("Content-Type", "application/json"));
        }
        return send("POST", "/api/v1/builds/triggers/" + trigger + "/webhook/" + source, body,
                all.toArray(String[]::new));
    }

    /** HMAC-SHA256 of the body, in hex, as GitHub computes it. */
    private static String hmac(String secret, byte[] body) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }

    private static byte[] githubPush(String fullName, String ref, String before, String after, String defaultBranch) {
        return Json.MAPPER.writeValueAsBytes(githubPushPayload(fullName, ref, before, after, defaultBranch));
    }

    /** A push event as GitHub sends it (the fields a receiver reads, and enough of the rest). */
    private static Map<String, Object> githubPushPayload(String fullName, String ref, String before, String after,
                                                         String defaultBranch) {
        Map<String, Object> repository = new LinkedHashMap<>();
        repository.put("id", 123456);
        repository.put("name", fullName.substring(fullName.indexOf('/') + 1));
        repository.put("full_name", fullName);
        repository.put("private", false);
        // not where the build clones from: the trigger's own URL is
        repository.put("clone_url", "https://github.com/" + fullName + ".git");
        repository.put("ssh_url", "git@github.com:" + fullName + ".git");
        repository.put("default_branch", defaultBranch);
        repository.put("master_branch", defaultBranch);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("ref", ref);
        payload.put("before", before);
        payload.put("after", after);
        payload.put("repository", repository);
        payload.put("pusher", Map.of("name", "octocat", "email", "octocat@example.com"));
        payload.put("sender", Map.of("login", "octocat", "id", 1, "type", "User"));
        payload.put("created", before.equals(ZEROS));
        payload.put("deleted", false);
        payload.put("forced", false);
        payload.put("base_ref", null);
        payload.put("compare", "https://github.com/" + fullName + "/compare/" + before.substring(0, 12) + "..."
                + after.substring(0, 12));
        payload.put("commits", List.of(commit(after)));
        payload.put("head_commit", commit(after));
        return payload;
    }

    private static Map<String, Object> commit(String sha) {
        Map<String, Object> commit = new LinkedHashMap<>();
        commit.put("id", sha);
        commit.put("tree_id", "f".repeat(40));
        commit.put("distinct", true);
        commit.put("message", "a change");
        commit.put("timestamp", "2025-01-01T12:00:00Z");
        commit.put("author", Map.of("name", "t", "email", "t@t", "username", "t"));
        commit.put("committer", Map.of("name", "t", "email", "t@t", "username", "t"));
        commit.put("added", List.of());
        commit.put("removed", List.of());
        commit.put("modified", List.of("Dockerfile"));
        return commit;
    }

    /** A Push Hook or Tag Push Hook payload as GitLab sends it. */
    private static byte[] gitlabPush(String event, String ref, String before, String after, String checkoutSha,
                                     String defaultBranch) {
        boolean tag = event.equals("Tag Push Hook");
        Map<String, Object> project = new LinkedHashMap<>();
        project.put("id", 15);
        project.put("name", "app");
        project.put("web_url", "https://gitlab.example.com/team/app");
        project.put("git_ssh_url", "git@gitlab.example.com:team/app.git");
        project.put("git_http_url", "https://gitlab.example.com/team/app.git");
        project.put("namespace", "team");
        project.put("visibility_level", 0);
        project.put("path_with_namespace", "team/app");
        project.put("default_branch", defaultBranch);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("object_kind", tag ? "tag_push" : "push");
        payload.put("event_name", tag ? "tag_push" : "push");
        payload.put("before", before);
        payload.put("after", after);
        payload.put("ref", ref);
        payload.put("ref_protected", true);
        payload.put("checkout_sha", checkoutSha);
        payload.put("message", null);
        payload.put("user_id", 4);
        payload.put("user_name", "John Smith");
        payload.put("user_username", "jsmith");
        payload.put("user_email", "");
        payload.put("project_id", 15);
        payload.put("project", project);
        payload.put("commits", checkoutSha == null ? List.of() : List.of(Map.of("id", checkoutSha,
                "message", "a change", "timestamp", "2025-01-01T12:00:00+00:00",
                "author", Map.of("name", "t", "email", "t@t"), "added", List.of(), "modified", List.of("Dockerfile"),
                "removed", List.of())));
        payload.put("total_commits_count", checkoutSha == null ? 0 : 1);
        payload.put("repository", Map.of("name", "app", "url", "git@gitlab.example.com:team/app.git",
                "git_http_url", "https://gitlab.example.com/team/app.git", "visibility_level", 0));
        return Json.MAPPER.writeValueAsBytes(payload);
    }

    private static byte[] generic(String ref, String sha, String delivery) {
        return Json.MAPPER.writeValueAsBytes(Map.of("ref", ref, "sha", sha, "delivery", delivery));
    }

    private static JsonNode history(TestUser user, String repository) {
        return api(200, "GET", "/api/v1/builds?repository=" + repository, null, user.basic()).json();
    }

    private static void cancel(TestUser user, long build) {
        assertThat(api(200, "POST", "/api/v1/builds/" + build + "/cancel", null, user.basic()).json().get("status")
                .asString()).isEqualTo("cancelled");
    }

    /** Leases as a worker, expecting this build (every test ends the builds it queues). */
    private static JsonNode lease(long build) throws IOException {
        Response response = send("POST", "/api/v1/worker/jobs", "{\"worker\":\"triggers\",\"waitSeconds\":5}".getBytes(),
                "Authorization", "Bearer " + workerToken(), "Content-Type", "application/json");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("build").asLong()).isEqualTo(build);
        return response.json();
    }

    private static void finish(long build, int attempt) throws IOException {
        Response finished = send("POST", "/api/v1/worker/jobs/" + build + "/finish?attempt=" + attempt,
                "{\"status\":\"cancelled\"}".getBytes(), "Authorization", "Bearer " + workerToken(),
                "Content-Type", "application/json");
        assertThat(finished.status()).as(finished.body()).isEqualTo(204);
    }

    private static String workerToken() throws IOException {
        return Files.readString(authDataDir().resolve("builds/worker-token")).strip();
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.asString()));
        return values;
    }

    /** A git repository made with the git command, on main. */
    record GitRepo(Path dir) {

        static GitRepo create(Path dir) throws Exception {
            Files.createDirectories(dir);
            GitRepo repo = new GitRepo(dir);
            repo.run("init", "-q");
            return repo;
        }

        String url() {
            return "file://" + dir.toAbsolutePath();
        }

        /** Writes the file, commits it and returns the commit's id. */
        String commit(String file, String content) throws Exception {
            Path path = dir.resolve(file);
            Files.createDirectories(path.getParent());
            Files.writeString(path, content);
            run("add", file);
            run("commit", "-q", "-m", "change " + file);
            return run("rev-parse", "HEAD");
        }

        String run(String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString(), "-c", "user.name=t",
                    "-c", "user.email=t@t", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false",
                    "-c", "tag.gpgsign=false"));
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as("%s: %s", command, output).isZero();
            return output;
        }
    }
}
