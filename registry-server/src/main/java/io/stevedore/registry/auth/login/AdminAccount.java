package io.stevedore.registry.auth.login;

import io.stevedore.registry.auth.accounts.User;
import io.stevedore.registry.auth.accounts.UserStore;
import io.stevedore.registry.config.RegistryProperties;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * The {@code admin} user, settled at start-up before the server accepts requests: given
 * {@code registry.auth.admin-password}, the admin has that password; with authentication on, no
 * password configured and no admin yet, one is generated, only its hash stored, and the
 * password logged this once.
 */
@Component
class AdminAccount implements SmartInitializingSingleton {
    static final String USERNAME = "admin";
    private static final Logger log = LoggerFactory.getLogger(AdminAccount.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final UserStore users;
    private final RefreshTokenStore refreshTokens;
    private final PasswordEncoder passwords;
    private final VerifiedCredentials verified;
    private final RegistryProperties.Auth settings;

    AdminAccount(UserStore users, RefreshTokenStore refreshTokens, PasswordEncoder passwords,
                 VerifiedCredentials verified, RegistryProperties properties) {
        this.verified = verified;
        this.users = users;
        this.refreshTokens = refreshTokens;
        this.passwords = passwords;
        this.settings = properties.auth();
    }

    @Override
    public void afterSingletonsInstantiated() {
        settle(settings.adminPassword(), settings.enabled());
    }

    /** @return the generated password, if one was generated now */
    Optional<String> settle(String configuredPassword, boolean authEnabled) {
        Optional<User> admin = users.find(USERNAME);
        if (configuredPassword != null && !configuredPassword.isEmpty()) {
            if (admin.isEmpty() || !passwords.matches(configuredPassword, admin.get().passwordHash())) {
                users.createOrUpdateAdmin(USERNAME, passwords.encode(configuredPassword));
                admin.ifPresent(a -> refreshTokens.revokeAll(a.id()));
                verified.forget(USERNAME);
                log.info("The admin user's password is now the one in registry.auth.admin-password");
            }
            return Optional.empty();
        }
        if (!authEnabled || admin.isPresent()) {
            return Optional.empty();
        }
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        if (!users.create(USERNAME, passwords.encode(generated), true)) {
            return Optional.empty(); // another replica created the admin at the same moment, and logged its password
        }
        log.warn("Generated a password for the admin user: {} . It is shown only this once and stored only "
                + "as a hash; change it with PUT /api/v1/users/admin/password, or set "
                + "registry.auth.admin-password.", generated);
        return Optional.of(generated);
    }
}
