package io.stevedore.registry.auth.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Failed logins are limited per user name and per client address (5 and 40 in 5 minutes on the
 * test server); past the limit even the right password gets 429 with Retry-After, on /v2, the
 * token endpoint and the API alike.
 */
class LoginRateLimitTest extends AuthRegistryTestSupport {

    @Test
    void repeatedBadPasswordsForOneUserGet429EvenForTheRightPasswordThen() {
        TestUser mallory = newUser("mallory");
        TestUser bystander = newUser("bystander");
        for (int i = 0; i < FAILURES_PER_USER; i++) {
            assertThat(get("/v2/", "Authorization", basic(mallory.name(), "guess-" + i)).status())
                    .as("failure %d", i + 1).isEqualTo(401);
        }

        Response v2 = get("/v2/", "Authorization", mallory.basic());
        assertThat(v2.status()).isEqualTo(429);
        assertThat(v2.json().get("errors").get(0).get("code").asString()).isEqualTo("TOOMANYREQUESTS");
        assertThat(Long.parseLong(v2.header("Retry-After"))).isBetween(1L, 300L);
        Response token = get("/auth/token?service=stevedore", "Authorization", mallory.basic());
        assertThat(token.status()).isEqualTo(429);
        assertThat(token.json().get("errors").get(0).get("code").asString()).isEqualTo("TOOMANYREQUESTS");
        Response api = send("PUT", "/api/v1/users/" + mallory.name() + "/password",
                "{\"password\":\"new-password\"}".getBytes(StandardCharsets.UTF_8),
                "Authorization", mallory.basic(), "Content-Type", "application/json");
        assertThat(api.status()).isEqualTo(429);
        assertThat(api.json().get("code").asString()).isEqualTo("TOO_MANY_REQUESTS");

        assertThat(get("/v2/", "Authorization", bystander.basic()).status())
                .as("another user from the same address").isEqualTo(200);
    }

    @Test
    void repeatedBadPasswordsFromOneAddressGet429ForEveryUserFromIt() throws IOException {
        TestUser alice = newUser("alice");
        InetAddress other = InetAddress.getByName("127.0.0.2");
        assumeTrue(canBind(other), "cannot send from 127.0.0.2 on this machine; skipping");
        for (int i = 0; i < FAILURES_PER_ADDRESS; i++) {
            // a different name each time, so that only the address limit applies
            assertThat(statusFrom(other, basic("nobody-" + i, "guess"))).as("failure %d", i + 1).isEqualTo(401);
        }

        assertThat(statusFrom(other, alice.basic())).as("alice from the throttled address").isEqualTo(429);
        assertThat(get("/v2/", "Authorization", alice.basic()).status()).as("alice from 127.0.0.1").isEqualTo(200);
    }

    private static boolean canBind(InetAddress address) {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(address, 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** GET /v2/ from {@code source}: java.net.http cannot choose its local address, a socket can. */
    private static int statusFrom(InetAddress source, String authorization) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(source, 0));
            socket.connect(new InetSocketAddress(authRegistryUrl().getHost(), authRegistryUrl().getPort()), 10_000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v2/ HTTP/1.1\r\nHost: " + authRegistryHost() + "\r\nAuthorization: " + authorization
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return Integer.parseInt(response.substring("HTTP/1.1 ".length(), "HTTP/1.1 ".length() + 3));
        }
    }
}
