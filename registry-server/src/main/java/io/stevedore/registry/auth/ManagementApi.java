package io.stevedore.registry.auth;

import io.stevedore.oci.InvalidNameException;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.auth.Logins.Credentials;
import io.stevedore.registry.auth.UserStore.User;
import io.stevedore.registry.config.RegistryProperties;
import io.stevedore.registry.metadata.RepositoryStore;
import io.stevedore.registry.metadata.Visibility;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The management API, {@code /api/v1}, with HTTP Basic: create users (the admin), change a
 * password (one's own, or anyone's as the admin), read and set a repository's visibility (its
 * namespace's owner, or the admin). Errors come as {@code {"code","message"}} ({@link ApiErrors}).
 */
@RestController
@RequestMapping(path = "/api/v1", produces = MediaType.APPLICATION_JSON_VALUE)
@ConditionalOnProperty(prefix = "registry.auth", name = "enabled", havingValue = "true")
class ManagementApi {
    /** A user name is a namespace, so it must be a valid first component of a repository name. */
    private static final Pattern USERNAME = Pattern.compile("[a-z0-9]+(?:[._-][a-z0-9]+)*");
    private static final int MAX_USERNAME = 64;
    private static final int MIN_PASSWORD = 8;
    private static final int MAX_PASSWORD = 1024;

    record NewUser(String username, String password) {
    }

    record NewPassword(String password) {
    }

    record UserView(String username, boolean admin) {
    }

    record RepositoryChange(String visibility) {
    }

    record RepositoryView(String name, String visibility) {
    }

    private final Logins logins;
    private final UserStore users;
    private final RefreshTokenStore refreshTokens;
    private final RepositoryStore repositories;
    private final AccessPolicy policy;
    private final AuditLog audit;
    private final PasswordEncoder passwords;
    private final String realm;

    ManagementApi(Logins logins, UserStore users, RefreshTokenStore refreshTokens, RepositoryStore repositories,
                  AccessPolicy policy, AuditLog audit, PasswordEncoder passwords, RegistryProperties properties) {
        this.logins = logins;
        this.users = users;
        this.refreshTokens = refreshTokens;
        this.repositories = repositories;
        this.policy = policy;
        this.audit = audit;
        this.passwords = passwords;
        this.realm = properties.auth().service();
    }

    @PostMapping(path = "/users", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<UserView> createUser(HttpServletRequest request, @RequestBody NewUser body) {
        User caller = authenticate(request);
        if (!caller.admin()) {
            throw new ApiException(HttpStatus.FORBIDDEN, "only the admin creates users");
        }
        String username = body.username();
        if (username == null || username.length() > MAX_USERNAME || !USERNAME.matcher(username).matches()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "username must be 1 to " + MAX_USERNAME
                    + " lower-case letters and digits, separated by single '.', '_' or '-'");
        }
        checkPassword(body.password());
        if (!users.create(username, passwords.encode(body.password()), false)) {
            throw new ApiException(HttpStatus.CONFLICT, "user " + username + " already exists");
        }
        audit.record(AuditLog.USER_CREATED, caller.username(), request.getRemoteAddr(), Map.of("user", username));
        return ResponseEntity.created(URI.create("/api/v1/users/" + username)).body(new UserView(username, false));
    }

    /** Revokes the user's refresh tokens too: whoever logged in with the old password is logged out. */
    @PutMapping(path = "/users/{username}/password", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Void> changePassword(HttpServletRequest request, @PathVariable String username,
                                        @RequestBody NewPassword body) {
        User caller = authenticate(request);
        if (!caller.admin() && !caller.username().equals(username)) {
            throw new ApiException(HttpStatus.FORBIDDEN, "only the admin changes another user's password");
        }
        User user = users.find(username)
                .orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, "no user " + username));
        checkPassword(body.password());
        users.setPassword(user.id(), passwords.encode(body.password()));
        refreshTokens.revokeAll(user.id());
        audit.record(AuditLog.PASSWORD_CHANGED, caller.username(), request.getRemoteAddr(), Map.of("user", username));
        return ResponseEntity.noContent().build();
    }

    /** 404 alike for a repository that does not exist and one the caller may not pull. */
    @GetMapping("/repositories/{*name}")
    RepositoryView repository(HttpServletRequest request, @PathVariable String name) {
        User caller = authenticate(request);
        RepositoryName repository = repositoryName(name);
        if (!policy.allows(new Caller.Password(caller), Scope.repository(repository.value(), Scope.PULL))) {
            throw noSuchRepository(repository);
        }
        Visibility visibility = repositories.visibility(repository).orElseThrow(() -> noSuchRepository(repository));
        return new RepositoryView(repository.value(), visibility.wireName());
    }

    @PatchMapping(path = "/repositories/{*name}", consumes = MediaType.APPLICATION_JSON_VALUE)
    RepositoryView changeRepository(HttpServletRequest request, @PathVariable String name,
                                    @RequestBody RepositoryChange body) {
        User caller = authenticate(request);
        RepositoryName repository = repositoryName(name);
        if (!caller.admin() && !AccessPolicy.owns(caller, repository)) {
            throw new ApiException(HttpStatus.FORBIDDEN, "only the owner of " + repository.value()
                    + "'s namespace and the admin change it");
        }
        Visibility visibility = Visibility.parse(body.visibility()).orElseThrow(() -> new ApiException(
                HttpStatus.BAD_REQUEST, "visibility must be \"public\" or \"private\""));
        if (!repositories.setVisibility(repository, visibility)) {
            throw noSuchRepository(repository);
        }
        audit.record(AuditLog.VISIBILITY_CHANGED, caller.username(), request.getRemoteAddr(),
                Map.of("repository", repository.value(), "visibility", visibility.wireName()));
        return new RepositoryView(repository.value(), visibility.wireName());
    }

    private User authenticate(HttpServletRequest request) {
        Credentials credentials = Credentials.fromBasic(request.getHeader(HttpHeaders.AUTHORIZATION))
                .orElseThrow(() -> unauthorized("authentication required (HTTP Basic)"));
        try {
            return logins.login(credentials, request.getRemoteAddr(), "api");
        } catch (AuthenticationFailed e) {
            if (e.reason() == AuthenticationFailed.Reason.THROTTLED) {
                throw new ApiException(HttpStatus.TOO_MANY_REQUESTS, e.getMessage(),
                        Map.of(HttpHeaders.RETRY_AFTER, String.valueOf(e.retryAfter().toSeconds())));
            }
            throw unauthorized(e.getMessage());
        }
    }

    private ApiException unauthorized(String message) {
        return new ApiException(HttpStatus.UNAUTHORIZED, message,
                Map.of(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"" + realm + "\""));
    }

    private static void checkPassword(String password) {
        if (password == null || password.length() < MIN_PASSWORD || password.length() > MAX_PASSWORD) {
            throw new ApiException(HttpStatus.BAD_REQUEST,
                    "password must be " + MIN_PASSWORD + " to " + MAX_PASSWORD + " characters");
        }
    }

    /** {@code {*name}} captures the rest of the path with its leading slash. */
    private static RepositoryName repositoryName(String captured) {
        try {
            return RepositoryName.of(captured.startsWith("/") ? captured.substring(1) : captured);
        } catch (InvalidNameException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, e.getMessage());
        }
    }

    private static ApiException noSuchRepository(RepositoryName repository) {
        return new ApiException(HttpStatus.NOT_FOUND, "no repository " + repository.value());
    }
}
