package io.stevedore.registry.auth.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.json.Json;
import io.stevedore.registry.AuthRegistryTestSupport;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/** What the audit log holds after logins and token grants: actor, client address, time and what. */
class AuditLogTest extends AuthRegistryTestSupport {

    private record Row(String event, String actor, String clientAddress, OffsetDateTime at, JsonNode detail) {
    }

    private static List<Row> rowsOf(String actor) {
        return authContext().getBean(JdbcClient.class)
                .sql("select event, actor, client_address, at, detail::text from audit_log where actor = ? order by id")
                .param(actor)
                .query((rs, n) -> new Row(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getObject(4, OffsetDateTime.class),
                        rs.getString(5) == null ? null : Json.MAPPER.readTree(rs.getString(5))))
                .list();
    }

    @Test
    void loginsSucceededAndFailedAndTokenGrantsAreRecordedWithActorAddressAndTime() {
        TestUser carol = newUser("carol");
        OffsetDateTime before = OffsetDateTime.now().minusSeconds(5);
        get("/v2/", "Authorization", basic(carol.name(), "wrong-password"));
        get("/auth/token?service=stevedore&scope=repository:" + carol.name() + "/app:pull,push"
                + "&scope=repository:someone-else/app:pull", "Authorization", carol.basic());

        List<Row> rows = rowsOf(carol.name());

        assertThat(rows).extracting(Row::event)
                .containsExactly(AuditLog.LOGIN_FAILURE, AuditLog.LOGIN_SUCCESS, AuditLog.TOKEN_GRANT);
        assertThat(rows).allSatisfy(row -> {
            assertThat(row.clientAddress()).isEqualTo("127.0.0.1");
            assertThat(row.at()).isAfter(before);
        });
        assertThat(rows.get(0).detail().get("via").asString()).isEqualTo("basic");
        assertThat(rows.get(1).detail().get("via").asString()).isEqualTo("token");
        JsonNode grant = rows.get(2).detail();
        assertThat(grant.get("granted").toString()).isEqualTo("[\"repository:" + carol.name() + "/app:pull,push\"]");
        assertThat(grant.get("requested").size()).isEqualTo(2);
        assertThat(grant.get("jti").asString()).isNotBlank();
    }

    @Test
    void managementChangesAreRecordedWithWhoMadeThem() {
        TestUser carol = newUser("carol");
        List<Row> created = authContext().getBean(JdbcClient.class)
                .sql("select event, actor, client_address, at, detail::text from audit_log "
                        + "where event = ? and detail ->> 'user' = ?")
                .params(AuditLog.USER_CREATED, carol.name())
                .query((rs, n) -> new Row(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getObject(4, OffsetDateTime.class), Json.MAPPER.readTree(rs.getString(5))))
                .list();
        assertThat(created).singleElement().extracting(Row::actor).isEqualTo("admin");
    }
}
