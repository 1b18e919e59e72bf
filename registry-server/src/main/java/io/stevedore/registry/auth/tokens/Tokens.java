package io.stevedore.registry.auth.tokens;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import io.stevedore.registry.auth.access.Caller;
import io.stevedore.registry.auth.access.Scope;
import io.stevedore.registry.auth.login.AuthenticationFailed;
import io.stevedore.registry.config.RegistryProperties;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;

/**
 * Bearer tokens as the Docker token specification has them: RS256 JWTs with {@code iss},
 * {@code sub}, {@code aud} (the service), {@code exp}, {@code nbf}, {@code iat}, {@code jti} and
 * the {@code access} claim listing what they grant. Verification accepts only tokens signed by
 * our key with RS256, issued by us, for our service, and within their lifetime (60 s of clock
 * skew allowed, for replicas whose clocks differ a little).
 */
@Component
@Lazy // only with authentication on: the key is created on first use
public class Tokens {
    static final String ACCESS_CLAIM = "access";

    private final TokenSigningKey key;
    private final NimbusJwtEncoder encoder;
    private final NimbusJwtDecoder decoder;
    private final String issuer;
    private final String service;
    private final Duration lifetime;

    public Tokens(TokenSigningKey key, RegistryProperties properties) {
        RegistryProperties.Auth auth = properties.auth();
        this.key = key;
        this.issuer = auth.issuer();
        this.service = auth.service();
        this.lifetime = auth.tokenLifetime();
        this.encoder = new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(key.toJwk())));
        this.decoder = NimbusJwtDecoder.withPublicKey(key.publicKey()).signatureAlgorithm(SignatureAlgorithm.RS256)
                .build();
        this.decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(
                new JwtIssuerValidator(issuer), new JwtAudienceValidator(service)));
    }

    /** @param subject the user, or null for an anonymous token */
    public IssuedToken issue(String subject, List<Scope> access) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String id = UUID.randomUUID().toString();
        JwtClaimsSet.Builder claims = JwtClaimsSet.builder()
                .issuer(issuer)
                .audience(List.of(service))
                .issuedAt(now)
                .notBefore(now)
                .expiresAt(now.plus(lifetime))
                .id(id)
                .claim(ACCESS_CLAIM, access.stream().map(Scope::toClaim).toList());
        if (subject != null) {
            claims.subject(subject);
        }
        JwsHeader header = JwsHeader.with(SignatureAlgorithm.RS256).keyId(key.keyId()).type("JWT").build();
        Jwt jwt = encoder.encode(JwtEncoderParameters.from(header, claims.build()));
        return new IssuedToken(jwt.getTokenValue(), id, now, lifetime);
    }

    /** The caller a token stands for. @throws AuthenticationFailed INVALID_TOKEN */
    public Caller.Bearer verify(String token) {
        Jwt jwt;
        try {
            jwt = decoder.decode(token);
        } catch (JwtException e) {
            throw AuthenticationFailed.invalidToken("invalid or expired token");
        }
        if (!key.keyId().equals(jwt.getHeaders().get("kid"))) {
            throw AuthenticationFailed.invalidToken("token signed with an unknown key");
        }
        List<Scope> access = new ArrayList<>();
        if (jwt.getClaims().get(ACCESS_CLAIM) instanceof List<?> entries) {
            entries.forEach(entry -> Scope.fromClaim(entry).ifPresent(access::add));
        }
        return new Caller.Bearer(jwt.getSubject(), access);
    }
}
