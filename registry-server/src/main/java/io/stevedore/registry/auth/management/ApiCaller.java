package io.stevedore.registry.auth.management;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.api.ApiNames;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.auth.access.Role;
import io.stevedore.registry.auth.access.WhenAuthEnabled;
import io.stevedore.registry.auth.accounts.User;
import io.stevedore.registry.auth.login.AuthenticationFailed;
import io.stevedore.registry.auth.login.Credentials;
import io.stevedore.registry.auth.login.Login;
import io.stevedore.registry.auth.login.Logins;
import io.stevedore.registry.config.RegistryProperties;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Who calls the management API (HTTP Basic: a password, a personal access token, or a robot's
 * token), and the checks its routes share on names from paths and bodies.
 */
@Component
@WhenAuthEnabled
class ApiCaller {
    /** A user, organization, team or robot name: a valid first component of a repository name. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(?:[._-][a-z0-9]+)*");
    private static final int MAX_NAME = 64;

    private final Logins logins;
    private final String realm;

    ApiCaller(Logins logins, RegistryProperties properties) {
        this.logins = logins;
        this.realm = properties.auth().service();
    }

    /** The account sending the request. @throws ApiException 401, or 429 while logins are throttled */
    Login login(HttpServletRequest request) {
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

    /** The user sending the request; robots manage nothing. @throws ApiException 401, 403, 429 */
    User user(HttpServletRequest request) {
        if (login(request).account() instanceof User user) {
            return user;
        }
        throw ApiException.forbidden("robot accounts cannot use this endpoint");
    }

    /** The site admin sending the request. */
    User siteAdmin(HttpServletRequest request, String what) {
        User user = user(request);
        if (!user.admin()) {
            throw ApiException.forbidden("only a site admin " + what);
        }
        return user;
    }

    private ApiException unauthorized(String message) {
        return new ApiException(HttpStatus.UNAUTHORIZED, message,
                Map.of(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"" + realm + "\""));
    }

    /** A new user, organization, team or robot name. @param what for the message: "username", ... */
    static String requireName(String name, String what) {
        if (name == null || name.length() > MAX_NAME || !NAME.matcher(name).matches()) {
            throw ApiException.badRequest(what + " must be 1 to " + MAX_NAME
                    + " lower-case letters and digits, separated by single '.', '_' or '-'");
        }
        return name;
    }

    /** A repository name from a path or body. */
    static RepositoryName repositoryName(String name) {
        if (name == null) {
            throw ApiException.badRequest("repository is required");
        }
        return ApiNames.repository(name.startsWith("/") ? name.substring(1) : name);
    }

    /** A repository of the namespace, for a grant there. */
    static String repositoryIn(String namespace, String name) {
        String repository = repositoryName(name).value();
        if (!repository.startsWith(namespace + "/") && !repository.equals(namespace)) {
            throw ApiException.badRequest("repository " + repository + " is not in namespace " + namespace);
        }
        return repository;
    }

    static Role role(String name) {
        return Role.parse(name).orElseThrow(() -> ApiException.badRequest("role must be read, write or admin"));
    }
}
