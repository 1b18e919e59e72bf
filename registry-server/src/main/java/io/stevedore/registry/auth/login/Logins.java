package io.stevedore.registry.auth.login;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.stevedore.registry.auth.accounts.AccessTokenStore;
import io.stevedore.registry.auth.accounts.RobotStore;
import io.stevedore.registry.auth.accounts.User;
import io.stevedore.registry.auth.accounts.UserStore;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.auth.audit.FailedLoginCount;
import io.stevedore.registry.config.RegistryProperties;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Checks a name and secret, wherever they arrive (HTTP Basic on /v2 or the API, the token
 * endpoint): a user's password or personal access token, or a robot's token ({@code acme+ci}).
 * Failures are audited, and so are logins at the token endpoint (docker login); HTTP Basic sent
 * with every request is not, or the log would hold a row per request. After too many failures
 * for one name or from one address, logins are refused before the secret is even looked at.
 * Credentials verified a moment ago are taken from {@link VerifiedCredentials}, without a
 * password hash, a rate-limit query or an audit row.
 */
@Component
public class Logins {
    /** How credentials arrived: with every request, or to log in (then the success is audited too). */
    private static final Set<String> PER_REQUEST = Set.of("basic", "api");

    private final UserStore users;
    private final RobotStore robots;
    private final AccessTokenStore accessTokens;
    private final AuditLog audit;
    private final PasswordEncoder passwords;
    private final VerifiedCredentials verified;
    private final RegistryProperties.FailedLogins limits;
    private final Counter throttled;
    /** Checked against when the user does not exist, so that such an answer takes as long as a wrong password. */
    private final String unknownUserHash;
    private final ObjectProvider<IssuedCredentials> issued;
    /** The issuers, resolved at the first login: a bean lookup per request cost more than the check itself. */
    private volatile List<IssuedCredentials> issuers;

    public Logins(UserStore users, RobotStore robots, AccessTokenStore accessTokens, AuditLog audit,
                  PasswordEncoder passwords, VerifiedCredentials verified, RegistryProperties properties,
                  MeterRegistry meters, ObjectProvider<IssuedCredentials> issued) {
        this.issued = issued;
        this.users = users;
        this.robots = robots;
        this.accessTokens = accessTokens;
        this.audit = audit;
        this.passwords = passwords;
        this.verified = verified;
        this.limits = properties.auth().failedLogins();
        this.throttled = Counter.builder("stevedore.auth.logins.throttled")
                .description("logins refused by the failed-login rate limit").register(meters);
        this.unknownUserHash = passwords.encode(UUID.randomUUID().toString());
    }

    /**
     * The account, if the secret is theirs.
     *
     * @param via how the secret arrived, for the audit log (basic, token, oauth2, api)
     * @throws AuthenticationFailed BAD_CREDENTIALS or THROTTLED
     */
    public Login login(Credentials credentials, String clientAddress, String via) {
        String name = credentials.username();
        Optional<IssuedCredentials> issuer = issuers().stream().filter(i -> i.recognises(name)).findFirst();
        if (issuer.isPresent()) {
            // Random 256-bit secrets, checked with one indexed query: neither cached (they die with
            // their build, at once) nor rate-limited (nothing to guess).
            return issuer.get().authenticate(name, credentials.password()).map(Login::new).orElseThrow(() -> {
                audit.record(AuditLog.LOGIN_FAILURE, name, clientAddress, Map.of("via", via));
                return AuthenticationFailed.badCredentials("invalid or expired build credentials");
            });
        }
        Optional<Login> remembered = verified.find(name, credentials.password());
        if (remembered.isPresent()) {
            auditSuccess(remembered.get(), clientAddress, via);
            return remembered.get();
        }
        Login login = verified.verifyOnce(name, credentials.password(), () -> {
            Optional<Duration> wait = throttle(name, clientAddress);
            if (wait.isPresent()) {
                throttled.increment();
                throw AuthenticationFailed.throttled(wait.get());
            }
            Optional<Login> checked = verify(name, credentials.password());
            if (checked.isEmpty()) {
                audit.record(AuditLog.LOGIN_FAILURE, name, clientAddress, Map.of("via", via));
                throw AuthenticationFailed.badCredentials("invalid username or password");
            }
            verified.remember(name, credentials.password(), checked.get());
            return checked.get();
        });
        auditSuccess(login, clientAddress, via);
        return login;
    }

    private List<IssuedCredentials> issuers() {
        List<IssuedCredentials> known = issuers;
        if (known == null) {
            known = issuers = issued.orderedStream().toList();
        }
        return known;
    }

    /** A login at the token endpoint is audited, however verified; HTTP Basic on every request is not. */
    private void auditSuccess(Login login, String clientAddress, String via) {
        if (!PER_REQUEST.contains(via)) {
            Map<String, Object> detail = login.accessTokenId() == null ? Map.of("via", via)
                    : Map.of("via", via, "accessToken", login.accessTokenId());
            audit.record(AuditLog.LOGIN_SUCCESS, login.account().name(), clientAddress, detail);
        }
    }

    private Optional<Login> verify(String name, String secret) {
        if (name.indexOf(RobotStore.SEPARATOR) >= 0) {
            return robots.authenticate(name, secret).map(Login::new);
        }
        Optional<User> user = users.find(name);
        if (user.isPresent() && secret.startsWith(AccessTokenStore.PREFIX)) {
            Optional<Long> token = accessTokens.authenticate(user.get().id(), secret);
            if (token.isPresent()) {
                return Optional.of(new Login(user.get(), token.get()));
            }
            // not a token after all: perhaps a password that happens to start like one
        }
        boolean matches = passwords.matches(secret, user.map(User::passwordHash).orElse(unknownUserHash));
        return user.isPresent() && matches ? Optional.of(new Login(user.get())) : Optional.empty();
    }

    /** How long the caller must wait, if the name or the address has had too many failures lately. */
    private Optional<Duration> throttle(String username, String clientAddress) {
        FailedLoginCount ofUser = audit.failedLoginsOf(username, limits.window());
        FailedLoginCount fromAddress = audit.failedLoginsFrom(clientAddress, limits.window());
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
