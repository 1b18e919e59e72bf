package io.stevedore.registry.auth.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.registry.AuthRegistryTestSupport;
import io.stevedore.registry.auth.accounts.User;
import io.stevedore.registry.auth.accounts.UserStore;
import org.junit.jupiter.api.Test;

/** The admin account as the auth test server settled it at start-up, and again on demand. */
class AdminAccountTest extends AuthRegistryTestSupport {

    @Test
    void withoutAConfiguredPasswordOneIsGeneratedLoggedOnceAndStoredOnlyAsAnArgon2Hash() {
        assumeTrue(!adminAccountLog().isEmpty(), "the admin password was configured (external PostgreSQL)");
        assertThat(adminAccountLog()).singleElement().asString().contains(adminPassword());
        User admin = authContext().getBean(UserStore.class).find("admin").orElseThrow();
        assertThat(admin.admin()).isTrue();
        assertThat(admin.passwordHash()).startsWith("{argon2@SpringSecurity_v5_8}$argon2id$")
                .doesNotContain(adminPassword());
        assertThat(get("/v2/", "Authorization", adminBasic()).status()).isEqualTo(200);

        AdminAccount account = authContext().getBean(AdminAccount.class);
        assertThat(account.settle(null, true)).as("an admin exists: nothing generated again").isEmpty();
    }

    @Test
    void aConfiguredPasswordReplacesTheAdminsPasswordAtStartUp() {
        AdminAccount account = authContext().getBean(AdminAccount.class);
        String original = adminPassword();
        try {
            assertThat(account.settle("configured-admin-password", true)).isEmpty();
            assertThat(get("/v2/", "Authorization", basic("admin", "configured-admin-password")).status())
                    .isEqualTo(200);
            assertThat(get("/v2/", "Authorization", adminBasic()).status()).isEqualTo(401);
        } finally {
            account.settle(original, true);
        }
        assertThat(get("/v2/", "Authorization", adminBasic()).status()).isEqualTo(200);
    }
}
