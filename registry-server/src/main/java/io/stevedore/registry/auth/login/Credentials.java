package io.stevedore.registry.auth.login;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/** A name and secret as sent with HTTP Basic. */
public record Credentials(String username, String password) {

    /**
     * The credentials of an {@code Authorization: Basic} header, or empty for any other header.
     * An undecodable one yields empty credentials, which then fail like a wrong password.
     */
    public static Optional<Credentials> fromBasic(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return Optional.of(colon < 0 ? new Credentials("", "")
                    : new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            return Optional.of(new Credentials("", ""));
        }
    }
}
