package io.stevedore.client;

/**
 * What a client signs in to a registry with: a user name and password (or personal access token),
 * or an identity token, which is an OAuth2 refresh token that {@code docker login} stored instead
 * of the password.
 */
public record RegistryCredentials(String username, String secret, String identityToken) {

    public RegistryCredentials {
        boolean basic = username != null && !username.isEmpty() && secret != null;
        boolean identity = identityToken != null && !identityToken.isEmpty();
        if (!basic && !identity) {
            throw new IllegalArgumentException("credentials need a user name and secret, or an identity token");
        }
    }

    public static RegistryCredentials basic(String username, String secret) {
        return new RegistryCredentials(username, secret, null);
    }

    public static RegistryCredentials identityToken(String username, String identityToken) {
        return new RegistryCredentials(username, null, identityToken);
    }

    public boolean hasIdentityToken() {
        return identityToken != null && !identityToken.isEmpty();
    }

    /** Never the secret: these end up in logs and exception messages. */
    @Override
    public String toString() {
        return "RegistryCredentials[" + (username == null ? "identity token" : username) + "]";
    }
}
