package io.stevedore.client;

import io.stevedore.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * Authentication of one registry, learnt from its challenges. Until a registry has challenged,
 * requests go out bare; after a {@code Bearer} challenge every request carries a token for the
 * scopes it needs, fetched up front and cached per scope set until shortly before it expires, so
 * a push pays no 401 round trip per request; after a {@code Basic} challenge requests carry the
 * credentials. Thread-safe: two threads may fetch the same token at once, which is harmless.
 */
final class RegistryAuthenticator {
    /** What the token specification says to assume when a token server gives no lifetime. */
    private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
    /** A token is renewed this long before it expires, so it does not expire in flight. */
    private static final Duration RENEWAL_MARGIN = Duration.ofSeconds(10);
    private static final String CLIENT_ID = "stevedore";

    private record BearerRealm(URI realm, String service) {
    }

    private record BearerToken(String value, Instant expiresAt) {
    }

    private final String registry;
    private final RegistryCredentials credentials;
    private final HttpClient http;
    private final String userAgent;
    private final Clock clock;
    private final Map<Set<String>, BearerToken> tokens = new ConcurrentHashMap<>();
    private final Map<Set<String>, Set<String>> extraScopes = new ConcurrentHashMap<>();
    private volatile BearerRealm bearer;
    private volatile boolean basic;

    RegistryAuthenticator(String registry, RegistryCredentials credentials, HttpClient http, String userAgent,
                          Clock clock) {
        this.registry = registry;
        this.credentials = credentials;
        this.http = http;
        this.userAgent = userAgent;
        this.clock = clock;
    }

    /** The Authorization header for a request needing {@code scopes}, as far as the registry is known. */
    Optional<String> authorization(Set<String> scopes) {
        BearerRealm realm = bearer;
        if (realm != null) {
            return Optional.of("Bearer " + token(realm, scopes).value());
        }
        if (basic && credentials != null && !credentials.hasIdentityToken()) {
            return Optional.of(basicHeader());
        }
        return Optional.empty();
    }

    /**
     * Learns from a 401's challenges. Returns true when the request is worth sending again (now
     * with other or fresh credentials), false when nothing would change.
     *
     * @param sent the Authorization header the refused request carried, or null
     */
    boolean challenged(List<String> wwwAuthenticate, Set<String> scopes, String sent) {
        List<AuthChallenge> challenges = wwwAuthenticate.stream().flatMap(h -> AuthChallenge.parse(h).stream()).toList();
        Optional<AuthChallenge> bearerChallenge = challenges.stream()
                .filter(c -> c.isBearer() && c.realm() != null).findFirst();
        if (bearerChallenge.isPresent()) {
            AuthChallenge challenge = bearerChallenge.get();
            BearerRealm realm = new BearerRealm(realmUri(challenge.realm()), challenge.service());
            boolean learnt = !realm.equals(bearer);
            bearer = realm;
            Set<String> known = key(scopes);
            Set<String> wanted = Scopes.merge(known, challenge.scopes());
            if (!wanted.equals(known)) {
                // The registry wants more than we knew to ask for: ask for it from now on.
                extraScopes.put(key(scopes, false), wanted);
                return true;
            }
            BearerToken cached = tokens.get(known);
            if (cached != null && ("Bearer " + cached.value()).equals(sent)) {
                tokens.remove(known); // refused as it was (expired, revoked): worth one fresh token
                return true;
            }
            return learnt || sent == null;
        }
        if (challenges.stream().anyMatch(AuthChallenge::isBasic)) {
            if (credentials == null || credentials.hasIdentityToken() || basic) {
                return false;
            }
            basic = true;
            return true;
        }
        return false;
    }

    private BearerToken token(BearerRealm realm, Set<String> scopes) {
        Set<String> key = key(scopes);
        BearerToken cached = tokens.get(key);
        if (cached != null && clock.instant().plus(RENEWAL_MARGIN).isBefore(cached.expiresAt())) {
            return cached;
        }
        BearerToken fresh = fetchToken(realm, key);
        tokens.put(key, fresh);
        return fresh;
    }

    /** The scope set a request for {@code scopes} asks a token for, with what the registry added. */
    private Set<String> key(Set<String> scopes) {
        return key(scopes, true);
    }

    private Set<String> key(Set<String> scopes, boolean withExtras) {
        Set<String> own = Scopes.merge(scopes, List.of());
        return withExtras ? extraScopes.getOrDefault(own, own) : own;
    }



    private BearerToken fetchToken(BearerRealm realm, Set<String> scopes) {
        HttpRequest.Builder request;
        if (credentials != null && credentials.hasIdentityToken()) {
            // An identity token is an OAuth2 refresh token: only the POST grant accepts it.
            String form = formField("grant_type", "refresh_token") + "&" + formField("refresh_token", credentials.identityToken())
                    + "&" + formField("client_id", CLIENT_ID)
                    + (realm.service() != null ? "&" + formField("service", realm.service()) : "")
                    + (scopes.isEmpty() ? "" : "&" + formField("scope", String.join(" ", new TreeSet<>(scopes))));
            request = HttpRequest.newBuilder(realm.realm())
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form));
        } else {
            StringBuilder query = new StringBuilder();
            if (realm.service() != null) {
                query.append(formField("service", realm.service()));
            }
            for (String scope : new TreeSet<>(scopes)) {
                query.append(query.isEmpty() ? "" : "&").append(formField("scope", scope));
            }
            URI uri = URI.create(realm.realm() + (query.isEmpty() ? "" : (realm.realm().getRawQuery() == null ? "?" : "&") + query));
            request = HttpRequest.newBuilder(uri).GET();
            if (credentials != null) {
                request.header("Authorization", basicHeader());
            }
        }
        request.header("User-Agent", userAgent).header("Accept", "application/json").timeout(Duration.ofSeconds(60));
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new RegistryUnreachableException("cannot reach the token server " + realm.realm() + " of registry "
                    + registry + ": " + RegistryCaller.describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryClientException("interrupted while authenticating to " + registry, 0, null, e);
        }
        RegistryResponse answer = new RegistryResponse(response);
        byte[] body;
        try {
            body = answer.document();
        } catch (IOException e) {
            throw new RegistryUnreachableException("reading the token server's answer for " + registry + " failed: "
                    + e.getMessage(), e);
        }
        int status = response.statusCode();
        if (status != 200) {
            RegistryError error = RegistryError.parse(body);
            String who = credentials == null ? "anonymously" : "as " + (credentials.username() == null
                    ? "the identity token's user" : credentials.username());
            String message = "authentication to " + registry + " " + who + " failed: HTTP " + status + " "
                    + error.describe("from " + realm.realm());
            if (status == 401 || status == 403 || status == 400 && "invalid_grant".equals(error.code())) {
                throw new RegistryAuthenticationException(message, status, error.code());
            }
            throw new RegistryClientException(message, status, error.code());
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(body);
        } catch (RuntimeException e) {
            throw new RegistryClientException("the token server of " + registry + " answered something other than JSON",
                    status, null, e);
        }
        String token = json.path("token").asString("");
        if (token.isEmpty()) {
            token = json.path("access_token").asString("");
        }
        if (token.isEmpty()) {
            throw new RegistryClientException("the token server of " + registry + " answered without a token", status, null);
        }
        long expiresIn = json.path("expires_in").asLong(0);
        Duration lifetime = expiresIn > 0 ? Duration.ofSeconds(expiresIn) : DEFAULT_TOKEN_LIFETIME;
        return new BearerToken(token, clock.instant().plus(lifetime));
    }

    private URI realmUri(String realm) {
        try {
            URI uri = URI.create(realm);
            if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
                throw new IllegalArgumentException("not http(s)");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new RegistryClientException("registry " + registry + " named an unusable token realm '" + realm + "'",
                    401, null);
        }
    }

    private String basicHeader() {
        String pair = credentials.username() + ":" + credentials.secret();
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static String formField(String name, String value) {
        return name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** For tests and diagnostics: the scope sets a token is cached for. */
    Set<String> cachedScopeSets() {
        return tokens.keySet().stream().map(s -> String.join(" ", new TreeSet<>(s))).collect(Collectors.toSet());
    }
}
