package io.stevedore.registry.auth.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code /auth/token}: the GET of the Docker token specification and the OAuth2 POST form. */
class TokenEndpointTest extends AuthRegistryTestSupport {

    private static Response form(String... keysAndValues) {
        List<String> pairs = new ArrayList<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            pairs.add(keysAndValues[i] + "=" + URLEncoder.encode(keysAndValues[i + 1], StandardCharsets.UTF_8));
        }
        return send("POST", "/auth/token", String.join("&", pairs).getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/x-www-form-urlencoded");
    }

    /** The access claim as {@code type:name:actions} strings. */
    private static List<String> access(String jwt) {
        List<String> scopes = new ArrayList<>();
        for (JsonNode entry : claims(jwt).get("access")) {
            List<String> actions = new ArrayList<>();
            entry.get("actions").forEach(a -> actions.add(a.asString()));
            scopes.add(entry.get("type").asString() + ":" + entry.get("name").asString() + ":"
                    + String.join(",", actions));
        }
        return scopes;
    }

    @Test
    void aRequestForMoreThanAllowedGetsTheIntersectionAndNeverMore() {
        TestUser alice = newUser("alice");
        TestUser bob = newUser("bob");
        pushImage(bob.basic(), bob.name() + "/public-app", "1");
        setVisibility(bob, bob.name() + "/public-app", "public");

        Response response = get("/auth/token?service=stevedore"
                        + "&scope=repository:" + alice.name() + "/app:pull,push,delete"
                        + "&scope=repository:" + bob.name() + "/public-app:pull,push"
                        + "&scope=repository:" + bob.name() + "/private-app:pull"
                        + "&scope=registry:catalog:*&scope=not-a-scope&scope=repository:UPPER/case:pull",
                "Authorization", alice.basic());

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        String token = response.json().get("token").asString();
        assertThat(response.json().get("access_token").asString()).isEqualTo(token);
        assertThat(access(token)).containsExactly(
                "repository:" + alice.name() + "/app:pull,push,delete",
                "repository:" + bob.name() + "/public-app:pull",
                "registry:catalog:*");
    }

    @Test
    void aSingleScopeParameterKeepsEveryActionItNames() {
        TestUser alice = newUser("alice");
        Response response = get("/auth/token?service=stevedore&scope=repository:" + alice.name() + "/app:pull,push",
                "Authorization", alice.basic());
        assertThat(access(response.json().get("token").asString()))
                .containsExactly("repository:" + alice.name() + "/app:pull,push");
    }

    @Test
    void tokensCarryTheSpecificationsClaimsAndAreSignedWithOurKeyId() {
        TestUser alice = newUser("alice");
        Response response = get("/auth/token?service=stevedore&scope=repository:" + alice.name() + "/app:pull",
                "Authorization", alice.basic());

        JsonNode body = response.json();
        String token = body.get("token").asString();
        JsonNode header = jwtHeader(token);
        assertThat(header.get("alg").asString()).isEqualTo("RS256");
        assertThat(header.get("kid").asString()).isEqualTo(authContext().getBean(TokenSigningKey.class).keyId());
        JsonNode claims = claims(token);
        assertThat(claims.get("iss").asString()).isEqualTo("stevedore");
        assertThat(claims.get("sub").asString()).isEqualTo(alice.name());
        assertThat(claims.get("aud").asString()).isEqualTo("stevedore");
        assertThat(claims.get("jti").asString()).isNotBlank();
        long iat = claims.get("iat").asLong();
        assertThat(claims.get("nbf").asLong()).isEqualTo(iat);
        assertThat(claims.get("exp").asLong() - iat).isEqualTo(300);
        assertThat(body.get("expires_in").asLong()).isEqualTo(300);
        assertThat(body.get("issued_at").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(response.header("Cache-Control")).isEqualTo("no-store");
        assertThat(body.has("refresh_token")).as("a refresh token only with offline_token=true").isFalse();
    }

    @Test
    void anonymousCallersGetATokenForWhatAnyoneMayDo() {
        TestUser bob = newUser("bob");
        pushImage(bob.basic(), bob.name() + "/open", "1");
        setVisibility(bob, bob.name() + "/open", "public");

        Response response = get("/auth/token?service=stevedore&scope=repository:" + bob.name() + "/open:pull,push"
                + "&scope=registry:catalog:*&offline_token=true");

        assertThat(response.status()).isEqualTo(200);
        String token = response.json().get("token").asString();
        assertThat(access(token)).containsExactly("repository:" + bob.name() + "/open:pull");
        assertThat(claims(token).has("sub")).isFalse();
        assertThat(response.json().has("refresh_token")).as("no refresh token without a user").isFalse();
    }

    @Test
    void wrongCredentialsAnotherServiceOrAMismatchedAccountAreRefused() {
        TestUser alice = newUser("alice");
        Response wrong = get("/auth/token?service=stevedore", "Authorization", basic(alice.name(), "wrong-password"));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().get("errors").get(0).get("code").asString()).isEqualTo("UNAUTHORIZED");

        Response otherService = get("/auth/token?service=elsewhere", "Authorization", alice.basic());
        assertThat(otherService.status()).isEqualTo(400);

        Response otherAccount = get("/auth/token?service=stevedore&account=admin", "Authorization", alice.basic());
        assertThat(otherAccount.status()).isEqualTo(400);
    }

    @Test
    void passwordGrantWithOfflineAccessReturnsARefreshTokenThatGrantsNewTokens() {
        TestUser alice = newUser("alice");
        String repository = alice.name() + "/app";

        Response password = form("grant_type", "password", "username", alice.name(), "password", alice.password(),
                "service", "stevedore", "client_id", "stevedore-test", "access_type", "offline",
                "scope", "repository:" + repository + ":pull,push registry:catalog:*");

        assertThat(password.status()).as(password.body()).isEqualTo(200);
        JsonNode first = password.json();
        assertThat(first.get("token_type").asString()).isEqualTo("Bearer");
        assertThat(first.get("scope").asString()).isEqualTo("repository:" + repository + ":pull,push registry:catalog:*");
        assertThat(access(first.get("access_token").asString()))
                .containsExactly("repository:" + repository + ":pull,push", "registry:catalog:*");
        String refreshToken = first.get("refresh_token").asString();
        assertThat(refreshToken).isNotBlank();

        Response refreshed = form("grant_type", "refresh_token", "refresh_token", refreshToken,
                "service", "stevedore", "client_id", "stevedore-test", "scope", "repository:" + repository + ":delete");

        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        String token = refreshed.json().get("access_token").asString();
        assertThat(claims(token).get("sub").asString()).isEqualTo(alice.name());
        assertThat(access(token)).containsExactly("repository:" + repository + ":delete");
        assertThat(refreshed.json().has("refresh_token")).as("the client keeps the refresh token it has").isFalse();
        Response pushed = send("POST", "/v2/" + repository + "/blobs/uploads/", new byte[0],
                "Authorization", "Bearer " + first.get("access_token").asString());
        assertThat(pushed.status()).as("the first token lets alice push").isEqualTo(202);
    }

    @Test
    void changingThePasswordRevokesRefreshTokens() {
        TestUser alice = newUser("alice");
        String refreshToken = form("grant_type", "password", "username", alice.name(), "password", alice.password(),
                "access_type", "offline", "client_id", "test").json().get("refresh_token").asString();

        Response changed = send("PUT", "/api/v1/users/" + alice.name() + "/password",
                "{\"password\":\"a-new-password\"}".getBytes(StandardCharsets.UTF_8),
                "Authorization", alice.basic(), "Content-Type", "application/json");
        assertThat(changed.status()).isEqualTo(204);

        Response refused = form("grant_type", "refresh_token", "refresh_token", refreshToken, "client_id", "test");
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.json().get("error").asString()).isEqualTo("invalid_grant");
    }

    @Test
    void oauth2ErrorsUseTheOauth2Shape() {
        TestUser alice = newUser("alice");
        Response wrongPassword = form("grant_type", "password", "username", alice.name(), "password", "nope-nope",
                "client_id", "test");
        assertThat(wrongPassword.status()).isEqualTo(401);
        assertThat(wrongPassword.json().get("error").asString()).isEqualTo("invalid_grant");

        Response unsupported = form("grant_type", "client_credentials", "client_id", "test");
        assertThat(unsupported.status()).isEqualTo(400);
        assertThat(unsupported.json().get("error").asString()).isEqualTo("unsupported_grant_type");
        assertThat(unsupported.json().get("error_description").asString()).contains("password or refresh_token");

        Response missing = form("grant_type", "password", "username", alice.name());
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().get("error").asString()).isEqualTo("invalid_request");
    }
}
