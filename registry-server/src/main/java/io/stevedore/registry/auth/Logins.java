package io.stevedore.registry.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.stevedore.registry.auth.UserStore.User;
import io.stevedore.registry.config.RegistryProperties;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Checks a user name and password, wherever one arrives (HTTP Basic on /v2 or the API, the token
 * endpoint). Every outcome is audited; after too many failures for one name or from one address,
 * logins are refused before the password is even looked at.
 */
@Component
public class Logins {
    private final UserStore users;
    private final AuditLog audit;
    private final PasswordEncoder passwords;
    private final RegistryProperties.FailedLogins limits;
    private final Counter throttled;
    /** Checked against when the user does not exist, so that such an answer takes as long as a wrong password. */
    private final String unknownUserHash;

    public Logins(UserStore users, AuditLog audit, PasswordEncoder passwords, RegistryProperties properties,
                  MeterRegistry meters) {
        this.users = users;
        this.audit = audit;
        this.passwords = passwords;
        this.limits = properties.auth().failedLogins();
        this.throttled = Counter.builder("stevedore.auth.logins.throttled")
                .description("logins refused by the failed-login rate limit").register(meters);
        this.unknownUserHash = passwords.encode(UUID.randomUUID().toString());
    }

    /** A user name and password as sent with HTTP Basic. */
    public record Credentials(String username, String password) {

        /**
         * The credentials of an {@code Authorization: Basic} header, or empty for any other header.
         * An undecodable one yields empty credentials, which then fail like a wrong password.
         */
        public static Optional<Credentials> fromBasic(String authorization) {
            if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
                return Optional.empty();
            }
            try {
                String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                        StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                return Optional.of(colon < 0 ? new Credentials("", "")
                        : new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
            } catch (IllegalArgumentException e) {
                return Optional.of(new Credentials("", ""));
            }
        }
    }

    /**
     * The user, if the password is theirs.
     *
     * @param via how the password arrived, for the audit log (basic, token, oauth2, api)
     * @throws AuthenticationFailed BAD_CREDENTIALS or THROTTLED
     */
    public User login(Credentials credentials, String clientAddress, String via) {
        String username = credentials.username();
        Optional<Duration> wait = throttle(username, clientAddress);
        if (wait.isPresent()) {
            throttled.increment();
            throw AuthenticationFailed.throttled(wait.get());
        }
        Optional<User> user = users.find(username);
        boolean matches = passwords.matches(credentials.password(),
                user.map(User::passwordHash).orElse(unknownUserHash));
        if (user.isEmpty() || !matches) {
            audit.record(AuditLog.LOGIN_FAILURE, username, clientAddress, Map.of("via", via));
            throw AuthenticationFailed.badCredentials("invalid username or password");
        }
        audit.record(AuditLog.LOGIN_SUCCESS, username, clientAddress, Map.of("via", via));
        return user.get();
    }

    /** How long the caller must wait, if the name or the address has had too many failures lately. */
    private Optional<Duration> throttle(String username, String clientAddress) {
        AuditLog.FailedLogins ofUser = audit.failedLoginsOf(username, limits.window());
        AuditLog.FailedLogins fromAddress = audit.failedLoginsFrom(clientAddress, limits.window());
        boolean userBlocked = ofUser.count() >= limits.perUser();
        boolean addressBlocked = fromAddress.count() >= limits.perAddress();
        if (!userBlocked && !addressBlocked) {
            return Optional.empty();
        }
        long wait = Math.max(userBlocked ? ofUser.secondsUntilOldestExpires() : 0,
                addressBlocked ? fromAddress.secondsUntilOldestExpires() : 0);
        return Optional.of(Duration.ofSeconds(Math.max(1, wait)));
    }
}
