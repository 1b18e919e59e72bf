package io.stevedore.registry.spec;

import io.stevedore.json.Json;
import io.stevedore.registry.RegistryTestSupport.TestAccount;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A token for exactly what a Bearer challenge names, nothing added: how the OCI conformance
 * suite's client (reggie) and other minimal clients authenticate, unlike {@link BearerCredentials}.
 */
final class ChallengedToken {
    private static final Pattern PARAMETER = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private ChallengedToken() {
    }

    static String fetch(HttpClient http, String challenge, TestAccount account) throws Exception {
        Map<String, String> parameters = new HashMap<>();
        Matcher m = PARAMETER.matcher(challenge);
        while (m.find()) {
            parameters.put(m.group(1), m.group(2));
        }
        String url = parameters.get("realm") + "?service=" + encode(parameters.getOrDefault("service", ""))
                + "&scope=" + encode(parameters.getOrDefault("scope", ""));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (account.username() + ":" + account.password()).getBytes(StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + response.statusCode() + ": " + response.body());
        }
        return Json.MAPPER.readTree(response.body()).get("token").asString();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
