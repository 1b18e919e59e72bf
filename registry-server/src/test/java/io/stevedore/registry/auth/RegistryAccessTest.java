package io.stevedore.registry.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.stevedore.registry.AuthRegistryTestSupport;
import io.stevedore.registry.auth.tokens.TokenSigningKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Every /v2 route behind the access gate: challenges, 401 and 403, Basic, bearer tokens, visibility. */
class RegistryAccessTest extends AuthRegistryTestSupport {

    private static String token(TestUser user, String... scopes) {
        StringBuilder query = new StringBuilder("/auth/token?service=stevedore");
        for (String scope : scopes) {
            query.append("&scope=").append(scope);
        }
        Response response = user == null ? get(query.toString()) : get(query.toString(), "Authorization", user.basic());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return "Bearer " + response.json().get("token").asString();
    }

    private static String errorCode(Response response) {
        return response.json().get("errors").get(0).get("code").asString();
    }

    private static List<String> catalog(String... authorization) {
        Response response = get("/v2/_catalog", authorization);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        response.json().get("repositories").forEach(n -> names.add(n.asString()));
        return names;
    }

    @Test
    void baseEndpointChallengesAnonymousCallersWithoutAScopeAndAnswersKnownOnes() {
        Response anonymous = get("/v2/");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.header("WWW-Authenticate"))
                .isEqualTo("Bearer realm=\"" + authRegistryUrl() + "/auth/token\",service=\"stevedore\"");
        assertThat(anonymous.header("Content-Type")).startsWith("application/json");
        assertThat(errorCode(anonymous)).isEqualTo("UNAUTHORIZED");

        TestUser alice = newUser("alice");
        assertThat(get("/v2/", "Authorization", alice.basic()).status()).isEqualTo(200);
        assertThat(get("/v2/", "Authorization", token(alice)).status()).isEqualTo(200);
        assertThat(get("/v2/", "Authorization", basic(alice.name(), "not-her-password")).status()).isEqualTo(401);
    }

    @Test
    void eachRouteChallengesWithTheScopeItNeeds() {
        String realm = "Bearer realm=\"" + authRegistryUrl() + "/auth/token\",service=\"stevedore\"";
        Map<String, String> expected = Map.of(
                "GET /v2/carol/app/manifests/1", "repository:carol/app:pull",
                "HEAD /v2/carol/app/blobs/sha256:" + "0".repeat(64), "repository:carol/app:pull",
                "POST /v2/carol/app/blobs/uploads/", "repository:carol/app:pull,push",
                "PUT /v2/carol/app/manifests/1", "repository:carol/app:pull,push",
                "DELETE /v2/carol/app/manifests/1", "repository:carol/app:delete",
                "GET /v2/carol/app/tags/list", "repository:carol/app:pull",
                "GET /v2/_catalog", "registry:catalog:*");
        expected.forEach((request, scope) -> {
            String[] parts = request.split(" ");
            Response response = send(parts[0], parts[1], parts[0].equals("GET") || parts[0].equals("HEAD")
                    || parts[0].equals("DELETE") ? null : new byte[0]);
            assertThat(response.status()).as(request).isEqualTo(401);
            assertThat(response.header("WWW-Authenticate")).as(request).isEqualTo(realm + ",scope=\"" + scope + "\"");
        });
        Response body = get("/v2/carol/app/manifests/1");
        assertThat(body.json().get("errors").get(0).get("detail").get(0).get("Action").asString()).isEqualTo("pull");
    }

    @Test
    void aValidTokenLackingTheActionIsDenied() {
        TestUser alice = newUser("alice");
        String repository = alice.name() + "/app";
        pushImage(alice.basic(), repository, "1");
        String pullOnly = token(alice, "repository:" + repository + ":pull");

        assertThat(get("/v2/" + repository + "/manifests/1", "Authorization", pullOnly,
                "Accept", "application/vnd.oci.image.manifest.v1+json").status()).isEqualTo(200);
        Response delete = send("DELETE", "/v2/" + repository + "/manifests/1", null, "Authorization", pullOnly);
        assertThat(delete.status()).isEqualTo(403);
        assertThat(errorCode(delete)).isEqualTo("DENIED");
        Response push = send("POST", "/v2/" + repository + "/blobs/uploads/", new byte[0], "Authorization", pullOnly);
        assertThat(push.status()).isEqualTo(403);
        assertThat(errorCode(push)).isEqualTo("DENIED");
    }

    @Test
    void httpBasicWorksStraightOnV2ForPushPullAndDelete() {
        TestUser alice = newUser("alice");
        String repository = alice.name() + "/basic";
        String digest = pushImage(alice.basic(), repository, "v1");

        Response manifest = get("/v2/" + repository + "/manifests/v1", "Authorization", alice.basic(),
                "Accept", "application/vnd.oci.image.manifest.v1+json");
        assertThat(manifest.status()).isEqualTo(200);
        assertThat(manifest.header("Docker-Content-Digest")).isEqualTo(digest);
        assertThat(get("/v2/" + repository + "/tags/list", "Authorization", alice.basic()).json().get("tags").get(0)
                .asString()).isEqualTo("v1");
        assertThat(send("DELETE", "/v2/" + repository + "/manifests/" + digest, null, "Authorization", alice.basic())
                .status()).isEqualTo(202);

        Response wrong = get("/v2/" + repository + "/tags/list", "Authorization", basic(alice.name(), "wrong-password"));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.header("WWW-Authenticate")).contains("scope=\"repository:" + repository + ":pull\"");
    }

    @Test
    void aPrivateRepositoryIsInvisibleAndUnpullableToOthersUntilMadePublic() {
        TestUser alice = newUser("alice");
        TestUser bob = newUser("bob");
        String repository = alice.name() + "/secret";
        pushImage(alice.basic(), repository, "1");
        String manifestPath = "/v2/" + repository + "/manifests/1";
        String accept = "application/vnd.oci.image.manifest.v1+json";

        assertThat(catalog("Authorization", alice.basic())).contains(repository);
        assertThat(catalog("Authorization", bob.basic())).doesNotContain(repository);
        assertThat(catalog("Authorization", adminBasic())).contains(repository);
        assertThat(get(manifestPath, "Authorization", bob.basic(), "Accept", accept).status()).isEqualTo(403);
        assertThat(get(manifestPath, "Authorization", token(bob, "repository:" + repository + ":pull"),
                "Accept", accept).status()).isEqualTo(403);
        assertThat(get(manifestPath, "Accept", accept).status()).isEqualTo(401);
        assertThat(get("/v2/_catalog").status()).as("the catalog is for signed-in users").isEqualTo(401);

        setVisibility(alice, repository, "public");

        assertThat(get(manifestPath, "Accept", accept).status()).as("anonymous pull").isEqualTo(200);
        assertThat(get(manifestPath, "Authorization", token(null, "repository:" + repository + ":pull"),
                "Accept", accept).status()).as("anonymous token").isEqualTo(200);
        assertThat(get(manifestPath, "Authorization", bob.basic(), "Accept", accept).status()).isEqualTo(200);
        assertThat(catalog("Authorization", bob.basic())).contains(repository);
        Response bobPush = send("POST", "/v2/" + repository + "/blobs/uploads/", new byte[0], "Authorization", bob.basic());
        assertThat(bobPush.status()).as("public means pull, not push").isEqualTo(403);
    }

    @Test
    void blobsAreMountedOnlyFromRepositoriesTheCallerMayPull() {
        TestUser alice = newUser("alice");
        TestUser bob = newUser("bob");
        String secret = alice.name() + "/secret";
        String manifestDigest = pushImage(alice.basic(), secret, "1");
        String configDigest = get("/v2/" + secret + "/manifests/" + manifestDigest, "Authorization", alice.basic(),
                "Accept", "application/vnd.oci.image.manifest.v1+json").json().get("config").get("digest").asString();
        String target = "/v2/" + bob.name() + "/copy/blobs/uploads/?mount=" + configDigest;

        Response fromPrivate = send("POST", target + "&from=" + secret, new byte[0], "Authorization", bob.basic());
        assertThat(fromPrivate.status()).as("no mount from a private repository: an upload starts").isEqualTo(202);
        Response automatic = send("POST", target, new byte[0], "Authorization", bob.basic());
        assertThat(automatic.status()).as("no automatic mount of another user's private blob").isEqualTo(202);
        Response withToken = send("POST", target, new byte[0], "Authorization",
                token(bob, "repository:" + bob.name() + "/copy:pull,push"));
        assertThat(withToken.status()).isEqualTo(202);

        setVisibility(alice, secret, "public");
        Response fromPublic = send("POST", target + "&from=" + secret, new byte[0], "Authorization", bob.basic());
        assertThat(fromPublic.status()).as("mount from a public repository").isEqualTo(201);
        Response ownMount = send("POST", "/v2/" + alice.name() + "/other/blobs/uploads/?mount=" + configDigest,
                new byte[0], "Authorization", alice.basic());
        assertThat(ownMount.status()).as("automatic mount from one's own repository").isEqualTo(201);
    }

    @Test
    void tokensNotSignedByUsForUsOrStillValidAreRefusedWithInvalidToken() throws Exception {
        TestUser alice = newUser("alice");
        String repository = alice.name() + "/app";
        List<Map<String, Object>> access = List.of(Map.of("type", "repository", "name", repository,
                "actions", List.of("pull")));
        TokenSigningKey ours = authContext().getBean(TokenSigningKey.class);
        RSAKey foreign = new RSAKeyGenerator(2048).keyID(ours.keyId()).generate();
        Instant now = Instant.now();

        Map<String, String> forged = Map.of(
                "signed by another key", sign(foreign, "stevedore", "stevedore", now.plusSeconds(300), access),
                "for another audience", sign(ours.toJwk(), "stevedore", "another-registry", now.plusSeconds(300), access),
                "from another issuer", sign(ours.toJwk(), "someone-else", "stevedore", now.plusSeconds(300), access),
                "expired", sign(ours.toJwk(), "stevedore", "stevedore", now.minusSeconds(120), access),
                "not a JWT", "not.a.jwt");
        forged.forEach((what, token) -> {
            Response response = get("/v2/" + repository + "/tags/list", "Authorization", "Bearer " + token);
            assertThat(response.status()).as(what).isEqualTo(401);
            assertThat(response.header("WWW-Authenticate")).as(what).contains("error=\"invalid_token\"");
        });
        String genuine = sign(ours.toJwk(), "stevedore", "stevedore", now.plusSeconds(300), access);
        assertThat(get("/v2/" + repository + "/tags/list", "Authorization", "Bearer " + genuine).status())
                .as("the same token, properly made, passes the gate (the repository does not exist)").isEqualTo(404);
    }

    private static String sign(RSAKey key, String issuer, String audience, Instant expires,
                               List<Map<String, Object>> access) throws Exception {
        Instant issued = expires.minusSeconds(300);
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer).audience(audience).subject("alice")
                .issueTime(Date.from(issued)).notBeforeTime(Date.from(issued)).expirationTime(Date.from(expires))
                .jwtID("test").claim("access", access).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    @Test
    void catalogListsExactlyWhatTheCallerMayPull() {
        TestUser dave = newUser("dave");
        pushImage(dave.basic(), dave.name() + "/one", "1");
        pushImage(dave.basic(), dave.name() + "/two", "1");
        pushImage(adminBasic(), "shared/" + dave.name(), "1");

        List<String> visible = catalog("Authorization", token(dave, "registry:catalog:*"));
        assertThat(visible).contains(dave.name() + "/one", dave.name() + "/two").doesNotContain("shared/" + dave.name());
        assertThat(visible).allSatisfy(name -> assertThat(name.startsWith(dave.name() + "/")
                || publicRepository(name)).as(name).isTrue());
        JsonNode page = get("/v2/_catalog?n=1&last=" + dave.name() + "/", "Authorization", dave.basic()).json();
        assertThat(page.get("repositories").get(0).asString()).isEqualTo(dave.name() + "/one");
    }

    private static boolean publicRepository(String name) {
        return get("/v2/" + name + "/tags/list").status() == 200;
    }
}
