package io.stevedore.registry.auth.management;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.access.WhenAuthEnabled;
import io.stevedore.registry.auth.accounts.AccessToken;
import io.stevedore.registry.auth.accounts.AccessTokenStore;
import io.stevedore.registry.auth.accounts.Secrets;
import io.stevedore.registry.auth.accounts.User;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.auth.login.VerifiedCredentials;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/tokens}: the calling user's personal access tokens. Creating one shows its
 * secret this once; listing shows names, dates and last use, never secrets; revoking one ends
 * it and the logins made with it (refresh tokens) at once.
 */
@RestController
@RequestMapping(path = "/api/v1/tokens", produces = MediaType.APPLICATION_JSON_VALUE)
@WhenAuthEnabled
class AccessTokensApi {
    private static final int MAX_NAME = 100;

    /** @param expiresAt ISO-8601 instant, or null for a token that does not expire */
    record NewToken(String name, String expiresAt) {
    }

    /** The token with its secret, shown this once. */
    record CreatedToken(long id, String name, String token, Instant createdAt, Instant expiresAt) {
    }

    private final ApiCaller api;
    private final AccessTokenStore tokens;
    private final VerifiedCredentials verified;
    private final AuditLog audit;

    AccessTokensApi(ApiCaller api, AccessTokenStore tokens, VerifiedCredentials verified, AuditLog audit) {
        this.api = api;
        this.tokens = tokens;
        this.verified = verified;
        this.audit = audit;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<CreatedToken> create(HttpServletRequest request, @RequestBody NewToken body) {
        User caller = api.user(request);
        String name = body.name();
        if (name == null || name.isBlank() || name.length() > MAX_NAME) {
            throw ApiException.badRequest("name must be 1 to " + MAX_NAME + " characters");
        }
        Instant expiresAt = expiry(body.expiresAt());
        String secret = Secrets.generate(AccessTokenStore.PREFIX);
        AccessToken token = tokens.create(caller.id(), name, expiresAt, Secrets.sha256(secret))
                .orElseThrow(() -> ApiException.conflict("you have a token named " + name + " already"));
        audit.record(AuditLog.ACCESS_TOKEN_CREATED, caller.username(), request.getRemoteAddr(), caller.username(),
                null, Map.of("token", token.id(), "name", name));
        return ResponseEntity.created(URI.create("/api/v1/tokens/" + token.id()))
                .body(new CreatedToken(token.id(), token.name(), secret, token.createdAt(), token.expiresAt()));
    }

    @GetMapping
    List<AccessToken> list(HttpServletRequest request) {
        return tokens.list(api.user(request).id());
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> revoke(HttpServletRequest request, @PathVariable String id) {
        User caller = api.user(request);
        long tokenId;
        try {
            tokenId = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("a token id is a number");
        }
        if (!tokens.revoke(caller.id(), tokenId)) {
            throw ApiException.notFound("you have no token " + id);
        }
        verified.forget(caller.username());
        audit.record(AuditLog.ACCESS_TOKEN_REVOKED, caller.username(), request.getRemoteAddr(), caller.username(),
                null, Map.of("token", tokenId));
        return ResponseEntity.noContent().build();
    }

    private static Instant expiry(String text) {
        if (text == null) {
            return null;
        }
        Instant expiresAt;
        try {
            expiresAt = Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("expiresAt must be an ISO-8601 instant such as 2030-01-31T00:00:00Z");
        }
        if (!expiresAt.isAfter(Instant.now())) {
            throw ApiException.badRequest("expiresAt must be in the future");
        }
        return expiresAt;
    }
}
