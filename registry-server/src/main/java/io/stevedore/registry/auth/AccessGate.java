package io.stevedore.registry.auth;

import io.stevedore.registry.auth.access.AccessPolicy;
import io.stevedore.registry.auth.access.Caller;
import io.stevedore.registry.auth.access.Scope;
import io.stevedore.registry.auth.login.AuthenticationFailed;
import io.stevedore.registry.auth.login.Credentials;
import io.stevedore.registry.auth.login.Logins;
import io.stevedore.registry.auth.tokens.Tokens;
import io.stevedore.registry.config.RegistryProperties;
import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The one check every distribution route passes: who is calling (HTTP Basic, one of our bearer
 * tokens, or nobody) and whether they may do what the route needs. Refusals carry the Docker
 * challenge that tells a client where to get a token for exactly that scope.
 */
@Component
public class AccessGate {
    private final boolean enabled;
    private final String configuredRealm;
    private final String service;
    private final Logins logins;
    private final Tokens tokens;
    private final AccessPolicy policy;

    public AccessGate(RegistryProperties properties, Logins logins, @Lazy Tokens tokens, AccessPolicy policy) {
        this.enabled = properties.auth().enabled();
        this.configuredRealm = properties.auth().realm();
        this.service = properties.auth().service();
        this.logins = logins;
        this.tokens = tokens;
        this.policy = policy;
    }

    /**
     * The caller, if they may do what {@code required} names; with {@code required} null (the
     * {@code /v2/} check), any authenticated caller passes and anonymous ones get the challenge
     * that starts {@code docker login}.
     *
     * @throws AccessRefused 401 without usable credentials, 403 with credentials lacking the
     *                       access, 429 while logins from this name or address are throttled
     */
    public Caller admit(HttpServletRequest request, Scope required) {
        return admit(request, required, List.of());
    }

    /**
     * As {@link #admit(HttpServletRequest, Scope)}, with scopes the request can use but does not
     * need added to the challenge, so that a client that asks for exactly what the challenge
     * names gets them in its token: pull on a cross-repository mount's source, as CNCF
     * Distribution challenges for it. Without them the mount falls back to an upload.
     */
    public Caller admit(HttpServletRequest request, Scope required, List<Scope> alsoUseful) {
        if (!enabled) {
            return Caller.UNRESTRICTED;
        }
        Caller caller;
        try {
            caller = authenticate(request);
        } catch (AuthenticationFailed e) {
            throw refusal(request, required, alsoUseful, e);
        }
        if (required == null) {
            if (caller instanceof Caller.Anonymous) {
                throw unauthorized(request, null, List.of(), null, "authentication required");
            }
            return caller;
        }
        if (policy.allows(caller, required)) {
            return caller;
        }
        if (caller instanceof Caller.Anonymous) {
            throw unauthorized(request, required, alsoUseful, null, "authentication required");
        }
        throw new AccessRefused(AccessRefused.Kind.DENIED, "requested access to the resource is denied",
                Map.of(), missing(required));
    }

    private Caller authenticate(HttpServletRequest request) {
        String authorization = request.getHeader("Authorization");
        if (authorization == null || authorization.isBlank()) {
            return Caller.ANONYMOUS;
        }
        if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return tokens.verify(authorization.substring(7).trim());
        }
        return Credentials.fromBasic(authorization)
                .map(credentials -> (Caller) new Caller.Password(
                        logins.login(credentials, request.getRemoteAddr(), "basic").account()))
                .orElseThrow(() -> AuthenticationFailed.badCredentials("unsupported authorization scheme"));
    }

    private AccessRefused refusal(HttpServletRequest request, Scope required, List<Scope> alsoUseful,
                                  AuthenticationFailed e) {
        return switch (e.reason()) {
            case THROTTLED -> new AccessRefused(AccessRefused.Kind.TOO_MANY_REQUESTS, e.getMessage(),
                    Map.of("Retry-After", String.valueOf(e.retryAfter().toSeconds())), null);
            case INVALID_TOKEN -> unauthorized(request, required, alsoUseful, "invalid_token", e.getMessage());
            case BAD_CREDENTIALS -> unauthorized(request, required, alsoUseful, null, e.getMessage());
        };
    }

    private AccessRefused unauthorized(HttpServletRequest request, Scope required, List<Scope> alsoUseful,
                                       String error, String message) {
        return new AccessRefused(AccessRefused.Kind.UNAUTHORIZED, message,
                Map.of("WWW-Authenticate", challenge(request, required, alsoUseful, error)),
                required == null ? null : missing(required));
    }

    /**
     * {@code Bearer realm="…/auth/token",service="…",scope="…"}: where and what to ask for;
     * several scopes are separated by spaces in the one parameter, as Distribution sends them.
     */
    String challenge(HttpServletRequest request, Scope required, List<Scope> alsoUseful, String error) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("realm", realm(request));
        parameters.put("service", service);
        if (required != null) {
            StringJoiner scopes = new StringJoiner(" ").add(required.toString());
            alsoUseful.forEach(scope -> scopes.add(scope.toString()));
            parameters.put("scope", scopes.toString());
        }
        if (error != null) {
            parameters.put("error", error);
        }
        StringJoiner challenge = new StringJoiner(",", "Bearer ", "");
        parameters.forEach((name, value) -> challenge.add(name + "=\"" + quoted(value) + "\""));
        return challenge.toString();
    }

    private static String quoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** The token endpoint's URL: configured, or this server as the client reached it. */
    String realm(HttpServletRequest request) {
        if (configuredRealm != null && !configuredRealm.isBlank()) {
            return configuredRealm;
        }
        return ServletUriComponentsBuilder.fromContextPath(request).path("/auth/token").build().toUriString();
    }

    /** The access that was missing, in the shape CNCF Distribution reports it. */
    private static List<Map<String, String>> missing(Scope required) {
        return required.actions().stream().map(action -> {
            Map<String, String> entry = new LinkedHashMap<>();
            entry.put("Type", required.type());
            entry.put("Name", required.name());
            entry.put("Action", action);
            return entry;
        }).toList();
    }
}
