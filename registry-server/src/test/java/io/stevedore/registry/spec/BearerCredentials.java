package io.stevedore.registry.spec;

import io.stevedore.json.Json;
import io.stevedore.registry.RegistryTestSupport.TestAccount;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Docker token flow as clients run it: a request answered 401 with a Bearer challenge gets a
 * token from the challenge's realm (HTTP Basic with the account) and is sent again with it.
 * Tokens are kept per repository. Like {@code skopeo delete} or crane, the client asks for every
 * action on the challenged repository ({@code *}; the registry cuts it to what the account may
 * do); like docker, it adds pull on a mount's source: the {@code from} repository, or for a mount
 * without one, where it pushed that blob before.
 */
final class BearerCredentials {
    private static final Pattern PARAMETER = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final Pattern REPOSITORY_PATH = Pattern.compile("^/v2/(.+?)/(?:blobs|manifests|tags|referrers)(?:/|$)");

    private final TestAccount account;
    private final HttpClient http;
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final Map<String, String> pushedBlobs = new ConcurrentHashMap<>();

    BearerCredentials(TestAccount account, HttpClient http) {
        this.account = account;
        this.http = http;
    }

    /** The headers, plus the token held for the URL's repository unless they name credentials of their own. */
    String[] authorize(URI uri, String[] headers) {
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i].equalsIgnoreCase("Authorization")) {
                return headers;
            }
        }
        String token = tokens.get(key(uri));
        if (token == null) {
            return headers;
        }
        String[] authorized = Arrays.copyOf(headers, headers.length + 2);
        authorized[headers.length] = "Authorization";
        authorized[headers.length + 1] = "Bearer " + token;
        return authorized;
    }

    /** Gets a token for what the challenge asks; false if it is no Bearer challenge. */
    boolean renew(URI uri, String challenge) {
        if (challenge == null || !challenge.startsWith("Bearer ")) {
            return false;
        }
        Map<String, String> parameters = new HashMap<>();
        Matcher m = PARAMETER.matcher(challenge);
        while (m.find()) {
            parameters.put(m.group(1), m.group(2));
        }
        String key = key(uri);
        StringBuilder url = new StringBuilder(parameters.get("realm")).append("?service=")
                .append(encode(parameters.getOrDefault("service", "")));
        String scope = parameters.get("scope");
        if (scope != null) {
            url.append("&scope=").append(encode(everyAction(scope)));
        }
        String from = query(uri, "from");
        if (from == null && query(uri, "mount") != null) {
            from = pushedBlobs.get(query(uri, "mount"));
        }
        if (from != null) {
            url.append("&scope=").append(encode("repository:" + from + ":pull"));
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(url.toString())).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (account.username() + ":" + account.password()).getBytes(StandardCharsets.UTF_8)))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("token request " + url + " answered " + response.statusCode()
                        + ": " + response.body());
            }
            tokens.put(key, Json.MAPPER.readTree(response.body()).get("token").asString());
            return true;
        } catch (IOException e) {
            throw new IllegalStateException("token request " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Notes where a blob was pushed (a 201 to a request with {@code digest=}), for later mounts. */
    void observe(URI uri, int status) {
        String digest = query(uri, "digest");
        if (status == 201 && digest != null && uri.getPath().contains("/blobs/uploads/")) {
            pushedBlobs.putIfAbsent(digest, key(uri));
        }
    }

    /** Every action on the challenged repository; a mount's source, named after it, stays as asked. */
    private static String everyAction(String scopes) {
        String[] each = scopes.trim().split("\\s+");
        String first = each[0];
        int lastColon = first.lastIndexOf(':');
        each[0] = first.startsWith("repository:") && lastColon > 0 ? first.substring(0, lastColon + 1) + "*" : first;
        return String.join(" ", each);
    }

    private static String key(URI uri) {
        Matcher m = REPOSITORY_PATH.matcher(uri.getPath());
        return m.find() ? m.group(1) : uri.getPath();
    }

    private static String query(URI uri, String name) {
        if (uri.getRawQuery() == null) {
            return null;
        }
        for (String pair : uri.getRawQuery().split("&")) {
            if (pair.startsWith(name + "=")) {
                return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
