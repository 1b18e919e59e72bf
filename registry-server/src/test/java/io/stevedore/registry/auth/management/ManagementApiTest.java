package io.stevedore.registry.auth.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code /api/v1}: users, passwords and repository visibility, with errors in one JSON shape. */
class ManagementApiTest extends AuthRegistryTestSupport {

    private static Response json(String method, String path, String body, String authorization) {
        return authorization == null
                ? send(method, path, body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json")
                : send(method, path, body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json",
                        "Authorization", authorization);
    }

    /** Asserts the status and the one error shape, {"code","message"}, and returns the message. */
    private static String error(Response response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        assertThat(response.json().get("code").asString()).isEqualTo(code);
        String message = response.json().get("message").asString();
        assertThat(message).isNotBlank();
        return message;
    }

    @Test
    void onlyTheAdminCreatesUsersAndNamesAreUnique() {
        TestUser alice = newUser("alice");
        String body = "{\"username\":\"eve-" + alice.name() + "\",\"password\":\"long-enough\"}";

        Response anonymous = json("POST", "/api/v1/users", body, null);
        error(anonymous, 401, "UNAUTHORIZED");
        assertThat(anonymous.header("WWW-Authenticate")).startsWith("Basic realm=");
        error(json("POST", "/api/v1/users", body, alice.basic()), 403, "FORBIDDEN");
        error(json("POST", "/api/v1/users", body, basic("admin", "not-the-password")), 401, "UNAUTHORIZED");

        Response created = json("POST", "/api/v1/users", body, adminBasic());
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Location")).isEqualTo("/api/v1/users/eve-" + alice.name());
        assertThat(created.json().get("admin").asBoolean()).isFalse();
        assertThat(error(json("POST", "/api/v1/users", body, adminBasic()), 409, "CONFLICT")).contains("already exists");
    }

    @Test
    void userNamesMustBeNamespacesAndPasswordsLongEnough() {
        error(json("POST", "/api/v1/users", "{\"username\":\"Not_Valid\",\"password\":\"long-enough\"}", adminBasic()),
                400, "BAD_REQUEST");
        error(json("POST", "/api/v1/users", "{\"username\":\"a/b\",\"password\":\"long-enough\"}", adminBasic()),
                400, "BAD_REQUEST");
        error(json("POST", "/api/v1/users", "{\"username\":\"shortpw\",\"password\":\"short\"}", adminBasic()),
                400, "BAD_REQUEST");
        error(json("POST", "/api/v1/users", "{\"password\":\"long-enough\"}", adminBasic()), 400, "BAD_REQUEST");
        error(json("POST", "/api/v1/users", "{not json", adminBasic()), 400, "BAD_REQUEST");
    }

    @Test
    void aUserChangesTheirOwnPasswordButNoOneElses() {
        TestUser alice = newUser("alice");
        TestUser bob = newUser("bob");

        error(json("PUT", "/api/v1/users/" + bob.name() + "/password", "{\"password\":\"taken-over\"}", alice.basic()),
                403, "FORBIDDEN");
        assertThat(json("PUT", "/api/v1/users/" + alice.name() + "/password", "{\"password\":\"alice-new-pw\"}",
                alice.basic()).status()).isEqualTo(204);

        assertThat(get("/v2/", "Authorization", alice.basic()).status()).as("old password").isEqualTo(401);
        assertThat(get("/v2/", "Authorization", basic(alice.name(), "alice-new-pw")).status()).isEqualTo(200);
        assertThat(json("PUT", "/api/v1/users/" + bob.name() + "/password", "{\"password\":\"reset-by-admin\"}",
                adminBasic()).status()).as("the admin resets anyone's").isEqualTo(204);
        error(json("PUT", "/api/v1/users/nobody-" + bob.name() + "/password", "{\"password\":\"whatever-pw\"}",
                adminBasic()), 404, "NOT_FOUND");
    }

    @Test
    void visibilityIsSetByTheNamespacesOwnerOrTheAdmin() {
        TestUser alice = newUser("alice");
        TestUser bob = newUser("bob");
        String repository = alice.name() + "/tools/app";
        pushImage(alice.basic(), repository, "1");
        String path = "/api/v1/repositories/" + repository;

        Response read = get(path, "Authorization", alice.basic());
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().get("visibility").asString()).isEqualTo("private");
        error(get(path, "Authorization", bob.basic()), 404, "NOT_FOUND");
        error(json("PATCH", path, "{\"visibility\":\"public\"}", bob.basic()), 403, "FORBIDDEN");
        error(json("PATCH", path, "{\"visibility\":\"everyone\"}", alice.basic()), 400, "BAD_REQUEST");
        error(json("PATCH", "/api/v1/repositories/" + alice.name() + "/missing", "{\"visibility\":\"public\"}",
                alice.basic()), 404, "NOT_FOUND");
        error(json("PATCH", "/api/v1/repositories/" + alice.name() + "/../x", "{\"visibility\":\"public\"}",
                alice.basic()), 400, "BAD_REQUEST");

        Response changed = json("PATCH", path, "{\"visibility\":\"public\"}", alice.basic());
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.json().get("name").asString()).isEqualTo(repository);
        assertThat(changed.json().get("visibility").asString()).isEqualTo("public");
        assertThat(get(path, "Authorization", bob.basic()).json().get("visibility").asString()).isEqualTo("public");
        assertThat(json("PATCH", path, "{\"visibility\":\"private\"}", adminBasic()).status()).isEqualTo(200);
        error(get(path, "Authorization", bob.basic()), 404, "NOT_FOUND");
    }

    @Test
    void unknownEndpointsAndMethodsAnswerInTheSameShape() {
        error(get("/api/v1/nothing-here", "Authorization", adminBasic()), 404, "NOT_FOUND");
        Response method = send("DELETE", "/api/v1/users", null, "Authorization", adminBasic());
        error(method, 405, "METHOD_NOT_ALLOWED");
        error(send("POST", "/api/v1/users", "username=x".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/x-www-form-urlencoded", "Authorization", adminBasic()),
                415, "UNSUPPORTED_MEDIA_TYPE");
    }
}
