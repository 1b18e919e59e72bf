package io.stevedore.registry.auth.tokens;

import io.stevedore.registry.auth.access.AccessPolicy;
import io.stevedore.registry.auth.access.Scope;
import io.stevedore.registry.auth.access.WhenAuthEnabled;
import io.stevedore.registry.auth.accounts.Account;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.auth.login.AuthenticationFailed;
import io.stevedore.registry.auth.login.Credentials;
import io.stevedore.registry.auth.login.Login;
import io.stevedore.registry.auth.login.Logins;
import io.stevedore.registry.auth.login.RefreshTokenStore;
import io.stevedore.registry.config.RegistryProperties;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /auth/token}, the token endpoint of the Docker token specification: GET with HTTP Basic
 * or anonymous (docker login, docker pull, skopeo), and the OAuth2 form POST with the password
 * and refresh_token grants (containerd, BuildKit, and docker once it holds a refresh token). The
 * token grants what was asked for, cut to what the caller may do; scopes that are malformed or
 * name unknown things are left out, never an error.
 */
@RestController
@WhenAuthEnabled
class TokenEndpoint {
    private static final String PATH = "/auth/token";

    private final Logins logins;
    private final RefreshTokenStore refreshTokens;
    private final Tokens tokens;
    private final AccessPolicy policy;
    private final AuditLog audit;
    private final String service;
    private final Duration refreshTokenLifetime;

    TokenEndpoint(Logins logins, RefreshTokenStore refreshTokens, Tokens tokens, AccessPolicy policy, AuditLog audit,
                  RegistryProperties properties) {
        this.logins = logins;
        this.refreshTokens = refreshTokens;
        this.tokens = tokens;
        this.policy = policy;
        this.audit = audit;
        this.service = properties.auth().service();
        this.refreshTokenLifetime = properties.auth().refreshTokenLifetime();
    }

    /** A refused token request: its status, its code in each of the two error shapes, and headers. */
    static final class Refused extends RuntimeException {
        final int status;
        final String registryCode;
        final String oauthError;
        final Map<String, String> headers;

        Refused(int status, String registryCode, String oauthError, String message, Map<String, String> headers) {
            super(message);
            this.status = status;
            this.registryCode = registryCode;
            this.oauthError = oauthError;
            this.headers = headers;
        }

        static Refused badRequest(String oauthError, String message) {
            return new Refused(400, "UNSUPPORTED", oauthError, message, Map.of());
        }

        static Refused from(AuthenticationFailed e, String realm) {
            return e.reason() == AuthenticationFailed.Reason.THROTTLED
                    ? new Refused(429, "TOOMANYREQUESTS", "too_many_requests", e.getMessage(),
                            Map.of(HttpHeaders.RETRY_AFTER, String.valueOf(e.retryAfter().toSeconds())))
                    : new Refused(401, "UNAUTHORIZED", "invalid_grant", e.getMessage(),
                            Map.of(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"" + realm + "\""));
        }
    }

    /** GET: {@code service}, {@code scope} (repeatable), {@code account}, {@code offline_token}. */
    @GetMapping(path = PATH, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> get(HttpServletRequest request,
                                            @RequestParam(required = false) String service,
                                            @RequestParam(required = false) String account,
                                            @RequestParam(name = "offline_token", required = false) String offline) {
        checkService(service);
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        Login login = null;
        if (authorization != null && !authorization.isBlank()) {
            Credentials credentials = Credentials.fromBasic(authorization)
                    .orElseThrow(() -> Refused.from(AuthenticationFailed.badCredentials("use HTTP Basic"), service));
            login = login(credentials, request, "token");
        }
        if (login != null && account != null && !account.isEmpty() && !account.equals(login.account().name())) {
            throw Refused.badRequest("invalid_request", "account does not match the credentials");
        }
        // Not a List<String> parameter: Spring would split a single scope at its commas (pull,push).
        String[] scopes = request.getParameterValues("scope");
        Grant grant = grant(login, scopes == null ? List.of() : List.of(scopes), "token", request);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", grant.issued().token());
        body.put("access_token", grant.issued().token());
        body.put("expires_in", grant.issued().lifetime().toSeconds());
        body.put("issued_at", grant.issued().issuedAt().toString());
        if ("true".equalsIgnoreCase(offline) && login != null) {
            body.put("refresh_token", refreshTokens.issue(login, refreshTokenLifetime));
        }
        return answer(body);
    }

    /**
     * POST (OAuth2 form): {@code grant_type} password (with {@code username}, {@code password}) or
     * refresh_token (with {@code refresh_token}); {@code service}, {@code scope} (space-separated),
     * {@code client_id}, and {@code access_type=offline} for a refresh token.
     */
    @PostMapping(path = PATH, consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> post(HttpServletRequest request,
                                             @RequestParam MultiValueMap<String, String> form) {
        checkService(form.getFirst("service"));
        String grantType = Optional.ofNullable(form.getFirst("grant_type")).orElse("");
        Login login;
        boolean offline = "offline".equals(form.getFirst("access_type"));
        switch (grantType) {
            case "password" -> {
                String username = form.getFirst("username");
                String password = form.getFirst("password");
                if (username == null || password == null) {
                    throw Refused.badRequest("invalid_request", "the password grant needs username and password");
                }
                login = login(new Credentials(username, password), request, "oauth2");
            }
            case "refresh_token" -> {
                String token = form.getFirst("refresh_token");
                if (token == null) {
                    throw Refused.badRequest("invalid_request", "the refresh_token grant needs refresh_token");
                }
                login = refreshTokens.find(token).orElseThrow(() -> {
                    audit.record(AuditLog.LOGIN_FAILURE, null, request.getRemoteAddr(), Map.of("via", "refresh_token"));
                    return Refused.from(AuthenticationFailed.badCredentials("unknown or expired refresh token"),
                            service);
                });
                offline = false; // the client keeps the refresh token it has
            }
            default -> throw Refused.badRequest("unsupported_grant_type",
                    "grant_type must be password or refresh_token");
        }
        List<String> scopes = form.getOrDefault("scope", List.of());
        Grant grant = grant(login, scopes, grantType, request);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", grant.issued().token());
        body.put("token_type", "Bearer");
        body.put("expires_in", grant.issued().lifetime().toSeconds());
        body.put("issued_at", grant.issued().issuedAt().toString());
        body.put("scope", String.join(" ", grant.granted().stream().map(Scope::toString).toList()));
        if (offline) {
            body.put("refresh_token", refreshTokens.issue(login, refreshTokenLifetime));
        }
        return answer(body);
    }

    private record Grant(List<Scope> granted, IssuedToken issued) {
    }

    /** Signs a token for what was asked, cut to what the account (null: anonymous) may do, and audits it. */
    private Grant grant(Login login, List<String> scopeParameters, String via, HttpServletRequest request) {
        List<Scope> requested = Scope.parseAll(scopeParameters);
        Account account = login == null ? null : login.account();
        List<Scope> granted = policy.grant(account, requested);
        String subject = account == null ? null : account.name();
        IssuedToken issued = tokens.issue(subject, granted);
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("via", via);
        detail.put("requested", requested.stream().map(Scope::toString).toList());
        detail.put("granted", granted.stream().map(Scope::toString).toList());
        detail.put("jti", issued.id());
        audit.record(AuditLog.TOKEN_GRANT, subject, request.getRemoteAddr(), detail);
        return new Grant(granted, issued);
    }

    private Login login(Credentials credentials, HttpServletRequest request, String via) {
        try {
            return logins.login(credentials, request.getRemoteAddr(), via);
        } catch (AuthenticationFailed e) {
            throw Refused.from(e, service);
        }
    }

    /** A token for another service would be one we ourselves refuse; better to say so now. */
    private void checkService(String requested) {
        if (requested != null && !requested.isEmpty() && !requested.equals(service)) {
            throw Refused.badRequest("invalid_request", "this token server serves \"" + service + "\", not \""
                    + requested + "\"");
        }
    }

    private static ResponseEntity<Map<String, Object>> answer(Map<String, Object> body) {
        return ResponseEntity.ok().header(HttpHeaders.CACHE_CONTROL, "no-store").header(HttpHeaders.PRAGMA, "no-cache")
                .contentType(MediaType.APPLICATION_JSON).body(body);
    }

    /** GET answers in the registry's error shape (what docker parses); POST in OAuth2's (RFC 6749). */
    @ExceptionHandler(Refused.class)
    ResponseEntity<Map<String, Object>> refused(Refused e, HttpServletRequest request) {
        Map<String, Object> body = "POST".equals(request.getMethod())
                ? Map.of("error", e.oauthError, "error_description", e.getMessage())
                : Map.of("errors", List.of(Map.of("code", e.registryCode, "message", e.getMessage())));
        ResponseEntity.BodyBuilder response = ResponseEntity.status(e.status).contentType(MediaType.APPLICATION_JSON)
                .header(HttpHeaders.CACHE_CONTROL, "no-store");
        e.headers.forEach(response::header);
        return response.body(body);
    }
}
