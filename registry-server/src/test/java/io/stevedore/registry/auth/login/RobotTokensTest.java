package io.stevedore.registry.auth.login;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Robot tokens: stored only as SHA-256, accepted by HTTP Basic and the token endpoint, refused at
 * once after regeneration or deletion although the replica had just verified them.
 */
class RobotTokensTest extends AuthRegistryTestSupport {

    @Test
    void aRegeneratedTokenReplacesTheOldOneAtOnceAndADeletedRobotLogsInNoMore() {
        TestUser owner = newUser("owner");
        String robot = owner.name() + "+deployer";
        String first = newRobot(robot, owner.basic());
        assertThat(first).startsWith("sdr_");
        String stored = authContext().getBean(JdbcClient.class)
                .sql("select token_sha256 from robots where namespace = ? and name = 'deployer'")
                .param(owner.name()).query(String.class).single();
        assertThat(stored).hasSize(64).doesNotContain(first);
        assertThat(get("/v2/", "Authorization", basic(robot, first)).status()).isEqualTo(200);

        String second = api(200, "POST", "/api/v1/robots/" + robot + "/token", null, owner.basic()).json()
                .get("token").asString();

        assertThat(get("/v2/", "Authorization", basic(robot, first)).status()).isEqualTo(401);
        assertThat(get("/v2/", "Authorization", basic(robot, second)).status()).isEqualTo(200);
        assertThat(get("/auth/token?service=stevedore", "Authorization", basic(robot, second)).status())
                .isEqualTo(200);

        api(204, "DELETE", "/api/v1/robots/" + robot, null, owner.basic());
        assertThat(get("/v2/", "Authorization", basic(robot, second)).status()).isEqualTo(401);
    }

    @Test
    void aRobotGetsTokensOnlyForWhatItsGrantsAllow() {
        TestUser owner = newUser("owner");
        String robot = owner.name() + "+reader";
        String token = newRobot(robot, owner.basic());
        api(200, "PUT", "/api/v1/robots/" + robot + "/permissions",
                Map.of("repository", owner.name() + "/app", "role", "read"), owner.basic());

        Response granted = get("/auth/token?service=stevedore&scope=repository:" + owner.name() + "/app:pull,push"
                + "&scope=repository:" + owner.name() + "/other:pull", "Authorization", basic(robot, token));

        assertThat(granted.status()).isEqualTo(200);
        assertThat(claims(granted.json().get("token").asString()).get("access").toString())
                .isEqualTo("[{\"type\":\"repository\",\"name\":\"" + owner.name()
                        + "/app\",\"actions\":[\"pull\"]}]");
        assertThat(claims(granted.json().get("token").asString()).get("sub").asString()).isEqualTo(robot);
    }
}
