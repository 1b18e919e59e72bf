package io.stevedore.registry.auth.management;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.access.WhenAuthEnabled;
import io.stevedore.registry.auth.accounts.NamespaceStore;
import io.stevedore.registry.auth.accounts.User;
import io.stevedore.registry.auth.accounts.UserStore;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.auth.login.RefreshTokenStore;
import io.stevedore.registry.auth.login.VerifiedCredentials;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/users}: site admins list, create and delete users; each user reads themself and
 * changes their own password (a site admin anyone's).
 */
@RestController
@RequestMapping(path = "/api/v1/users", produces = MediaType.APPLICATION_JSON_VALUE)
@WhenAuthEnabled
class UsersApi {
    private static final int MIN_PASSWORD = 8;
    private static final int MAX_PASSWORD = 1024;

    record NewUser(String username, String password, Boolean admin) {
    }

    record NewPassword(String password) {
    }

    record UserView(String username, boolean admin, Instant createdAt) {
        static UserView of(User user) {
            return new UserView(user.username(), user.admin(), user.createdAt());
        }
    }

    private final ApiCaller api;
    private final UserStore users;
    private final NamespaceStore namespaces;
    private final RefreshTokenStore refreshTokens;
    private final VerifiedCredentials verified;
    private final AuditLog audit;
    private final PasswordEncoder passwords;

    UsersApi(ApiCaller api, UserStore users, NamespaceStore namespaces, RefreshTokenStore refreshTokens,
             VerifiedCredentials verified, AuditLog audit, PasswordEncoder passwords) {
        this.api = api;
        this.users = users;
        this.namespaces = namespaces;
        this.refreshTokens = refreshTokens;
        this.verified = verified;
        this.audit = audit;
        this.passwords = passwords;
    }

    @GetMapping
    List<UserView> list(HttpServletRequest request) {
        api.siteAdmin(request, "lists users");
        return users.list().stream().map(UserView::of).toList();
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<UserView> create(HttpServletRequest request, @RequestBody NewUser body) {
        User caller = api.siteAdmin(request, "creates users");
        String username = ApiCaller.requireName(body.username(), "username");
        checkPassword(body.password());
        boolean admin = Boolean.TRUE.equals(body.admin());
        if (!users.create(username, passwords.encode(body.password()), admin)) {
            throw ApiException.conflict("a user or organization " + username + " already exists");
        }
        audit.record(AuditLog.USER_CREATED, caller.username(), request.getRemoteAddr(), username, null,
                Map.of("user", username, "admin", admin));
        User created = users.find(username).orElseThrow();
        return ResponseEntity.created(URI.create("/api/v1/users/" + username)).body(UserView.of(created));
    }

    @GetMapping("/{username}")
    UserView get(HttpServletRequest request, @PathVariable String username) {
        User caller = api.user(request);
        if (!caller.admin() && !caller.username().equals(username)) {
            throw ApiException.forbidden("only a site admin reads other users");
        }
        return users.find(username).map(UserView::of).orElseThrow(() -> noSuchUser(username));
    }

    /** Refused while the user's namespace holds images: whoever took the name next would own them. */
    @DeleteMapping("/{username}")
    ResponseEntity<Void> delete(HttpServletRequest request, @PathVariable String username) {
        User caller = api.siteAdmin(request, "deletes users");
        if (caller.username().equals(username)) {
            throw ApiException.conflict("a site admin cannot delete themself");
        }
        users.find(username).orElseThrow(() -> noSuchUser(username));
        if (namespaces.holdsImages(username)) {
            throw ApiException.conflict("namespace " + username + " still holds images; delete them first");
        }
        users.delete(username);
        verified.forgetNamespace(username);
        audit.record(AuditLog.USER_DELETED, caller.username(), request.getRemoteAddr(), username, null,
                Map.of("user", username));
        return ResponseEntity.noContent().build();
    }

    /** Revokes the user's refresh tokens too: whoever logged in with the old password is logged out. */
    @PutMapping(path = "/{username}/password", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Void> changePassword(HttpServletRequest request, @PathVariable String username,
                                        @RequestBody NewPassword body) {
        User caller = api.user(request);
        if (!caller.admin() && !caller.username().equals(username)) {
            throw ApiException.forbidden("only a site admin changes another user's password");
        }
        User user = users.find(username).orElseThrow(() -> noSuchUser(username));
        checkPassword(body.password());
        users.setPassword(user.id(), passwords.encode(body.password()));
        refreshTokens.revokeAll(user.id());
        verified.forget(username);
        audit.record(AuditLog.PASSWORD_CHANGED, caller.username(), request.getRemoteAddr(), username, null,
                Map.of("user", username));
        return ResponseEntity.noContent().build();
    }

    private static ApiException noSuchUser(String username) {
        return ApiException.notFound("no user " + username);
    }

    private static void checkPassword(String password) {
        if (password == null || password.length() < MIN_PASSWORD || password.length() > MAX_PASSWORD) {
            throw ApiException.badRequest("password must be " + MIN_PASSWORD + " to " + MAX_PASSWORD + " characters");
        }
    }
}
