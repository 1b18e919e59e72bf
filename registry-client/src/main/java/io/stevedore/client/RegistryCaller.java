package io.stevedore.client;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * Runs {@link RegistryEndpoint}s against one registry: adds authentication (and answers 401
 * challenges), follows redirects of GET and HEAD without handing our credentials to another
 * host, retries what may be retried, and turns refusals into {@link RegistryClientException}s
 * that say what was being done.
 */
final class RegistryCaller {
    static final int ATTEMPTS = 3;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    /** A Retry-After longer than this is not waited for: the call fails and says so. */
    private static final Duration LONGEST_RETRY_AFTER = Duration.ofSeconds(60);
    private static final int MAX_REDIRECTS = 5;
    /** Headers arrive quickly even for large blobs; uploads get no limit, their body takes as long as it takes. */
    static final Duration ANSWER_TIMEOUT = Duration.ofMinutes(2);
    /** Two challenges: one to learn the registry's auth, one for a fresh token if the first was refused. */
    private static final int MAX_CHALLENGES = 2;

    private final String registry;
    private final URI base;
    private final HttpClient http;
    private final RegistryAuthenticator authenticator;
    private final String userAgent;
    private final int attempts;
    private final Duration answerTimeout;

    RegistryCaller(String registry, URI base, HttpClient http, RegistryAuthenticator authenticator, String userAgent) {
        this(registry, base, http, authenticator, userAgent, ATTEMPTS, ANSWER_TIMEOUT);
    }

    RegistryCaller(String registry, URI base, HttpClient http, RegistryAuthenticator authenticator, String userAgent,
                   int attempts, Duration answerTimeout) {
        this.registry = registry;
        this.base = base;
        this.http = http;
        this.authenticator = authenticator;
        this.userAgent = userAgent;
        this.attempts = attempts;
        this.answerTimeout = answerTimeout;
    }

    String registry() {
        return registry;
    }

    URI base() {
        return base;
    }

    /** Runs the endpoint; retried as {@link RegistryEndpoint#retryable()} allows. */
    <T> T call(RegistryEndpoint<T> endpoint) {
        return endpoint.retryable() ? retrying(() -> callOnce(endpoint)) : callOnce(endpoint);
    }

    /**
     * Runs {@code operation} up to {@code attempts} times (default {@value #ATTEMPTS}) while it fails transiently (no answer,
     * 5xx, 429), with a short backoff, or as long as a 429's Retry-After says. For sequences that
     * must restart whole, such as an upload whose session a failed PUT has spoiled.
     */
    <T> T retrying(Supplier<T> operation) {
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.get();
            } catch (RegistryClientException e) {
                Optional<Duration> wait = retryDelay(e, backoff);
                if (attempt >= attempts || wait.isEmpty()) {
                    throw e;
                }
                sleep(wait.get());
                backoff = backoff.multipliedBy(4);
            }
        }
    }

    private static Optional<Duration> retryDelay(RegistryClientException e, Duration backoff) {
        if (e instanceof TooManyRequests tooMany) {
            return tooMany.retryAfter.compareTo(LONGEST_RETRY_AFTER) <= 0 ? Optional.of(tooMany.retryAfter)
                    : Optional.empty();
        }
        if (e instanceof RegistryUnreachableException || e.status() >= 500) {
            return Optional.of(backoff);
        }
        return Optional.empty();
    }

    private <T> T callOnce(RegistryEndpoint<T> endpoint) {
        int challenges = 0;
        while (true) {
            URI uri = endpoint.uri(base);
            String authorization = sameHost(uri) ? authenticator.authorization(endpoint.scopes()).orElse(null) : null;
            RegistryResponse response = send(endpoint, endpoint.method(), uri, authorization, true);
            try {
                if (response.status() == 401 && sameHost(response.uri()) && challenges < MAX_CHALLENGES
                        && authenticator.challenged(response.headers("WWW-Authenticate"), endpoint.scopes(),
                        authorization)) {
                    challenges++;
                    continue;
                }
                response = followRedirects(endpoint, response);
                if (endpoint.accepts(response.status())) {
                    return endpoint.handle(response);
                }
                throw refusal(endpoint, response);
            } catch (IOException e) {
                throw unreachable(endpoint, e);
            } finally {
                response.release();
            }
        }
    }

    /** GET and HEAD follow 3xx with a Location, sending our credentials only to the registry itself. */
    private RegistryResponse followRedirects(RegistryEndpoint<?> endpoint, RegistryResponse response) {
        String method = endpoint.method();
        for (int hop = 0; hop < MAX_REDIRECTS && isRedirect(response.status())
                && (method.equals("GET") || method.equals("HEAD")); hop++) {
            Optional<String> location = response.header("Location");
            if (location.isEmpty()) {
                return response;
            }
            URI target = response.uri().resolve(location.get());
            String authorization = sameHost(target) ? authenticator.authorization(endpoint.scopes()).orElse(null) : null;
            response.release();
            response = send(endpoint, method, target, authorization, false);
        }
        return response;
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /** Whether {@code uri} is on the registry itself, which is the only host that may see our credentials. */
    boolean sameHost(URI uri) {
        return Objects.equals(uri.getScheme(), base.getScheme()) && Objects.equals(uri.getRawAuthority(),
                base.getRawAuthority());
    }

    private RegistryResponse send(RegistryEndpoint<?> endpoint, String method, URI uri, String authorization,
                                  boolean withBody) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .method(method, withBody ? endpoint.body() : HttpRequest.BodyPublishers.noBody())
                .header("User-Agent", userAgent);
        if (!endpoint.uploadsBody()) {
            request.timeout(answerTimeout);
        }
        if (withBody) {
            endpoint.headers().forEach(request::header);
        } else {
            endpoint.headers().entrySet().stream().filter(h -> !h.getKey().equalsIgnoreCase("Content-Type"))
                    .forEach(h -> request.header(h.getKey(), h.getValue()));
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            return new RegistryResponse(http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw unreachable(endpoint, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryClientException("interrupted: " + endpoint.description(), 0, null, e);
        }
    }

    private RegistryUnreachableException unreachable(RegistryEndpoint<?> endpoint, IOException e) {
        String what = isConnectionFailure(e) ? "registry " + registry + " is unreachable at " + base
                : "connection to registry " + registry + " failed";
        return new RegistryUnreachableException(what + " (" + endpoint.description() + "): " + describe(e), e);
    }

    private static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException
                    || t instanceof UnresolvedAddressException || t instanceof HttpConnectTimeoutException
                    || t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    /** An I/O failure in words: the JDK often leaves the message empty and puts the reason in a cause. */
    static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                String hint = t instanceof SSLException
                        ? " (does it speak plain HTTP? then build the client with insecure(true))" : "";
                return t.getClass().getSimpleName() + ": " + t.getMessage() + hint;
            }
        }
        return e.getClass().getSimpleName();
    }

    private RegistryClientException refusal(RegistryEndpoint<?> endpoint, RegistryResponse response) throws IOException {
        int status = response.status();
        RegistryError error = endpoint.method().equals("HEAD") ? RegistryError.NONE
                : RegistryError.parse(response.document());
        String explained = endpoint.explain(status, error);
        if (status == 401 || status == 403) {
            String reason = error.message() != null ? error.message() : "requested access to the resource is denied";
            return new RegistryAuthenticationException("denied: " + reason + " (" + endpoint.description() + " on "
                    + registry + (status == 401 ? ", not authenticated" : "") + ")", status, error.code());
        }
        if (status == 429) {
            return new TooManyRequests("registry " + registry + " is rate limiting (" + endpoint.description() + "): "
                    + error.describe("HTTP 429"), error.code(), retryAfter(response));
        }
        String message = explained != null ? explained
                : endpoint.description() + " failed: HTTP " + status + " " + error.describe("from " + withoutQuery(response.uri()));
        return new RegistryClientException(message, status, error.code());
    }

    /** A URL fit for a message: redirect targets carry signatures in their query. */
    static String withoutQuery(URI uri) {
        return uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath();
    }

    private static Duration retryAfter(RegistryResponse response) {
        Optional<String> header = response.header("Retry-After");
        if (header.isEmpty()) {
            return Duration.ofSeconds(1);
        }
        String value = header.get().trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(ZonedDateTime.now(),
                        ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME));
                return until.isNegative() ? Duration.ZERO : until;
            } catch (DateTimeParseException neither) {
                return Duration.ofSeconds(1);
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryClientException("interrupted while waiting to retry", 0, null, e);
        }
    }

    /** A 429, kept apart so the retry loop can honour its Retry-After. */
    static final class TooManyRequests extends RegistryClientException {
        private final Duration retryAfter;

        TooManyRequests(String message, String errorCode, Duration retryAfter) {
            super(message, 429, errorCode);
            this.retryAfter = retryAfter;
        }
    }
}
