package io.stevedore.registry.builds;

import io.stevedore.oci.Digest;
import io.stevedore.registry.auth.accounts.Account;
import io.stevedore.registry.auth.accounts.Accounts;
import io.stevedore.registry.auth.accounts.BuildAccount;
import io.stevedore.registry.auth.login.IssuedCredentials;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The push credential a worker gets with its lease ({@code build@17} and a random secret): the
 * registry's ordinary HTTP Basic and token flows accept it while that lease is current, as a
 * {@link BuildAccount} that may push only to the build's repositories. Only its SHA-256 is stored.
 */
@Component
class BuildCredentials implements IssuedCredentials {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final BuildStore builds;
    private final Accounts accounts;

    BuildCredentials(BuildStore builds, Accounts accounts) {
        this.builds = builds;
        this.accounts = accounts;
    }

    /** A fresh secret, and the hash the lease keeps of it. */
    record Issued(String secret, byte[] hash) {
    }

    static Issued issue() {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        return new Issued(secret, hash(secret));
    }

    @Override
    public boolean recognises(String username) {
        return username.startsWith(BuildAccount.NAME_PREFIX);
    }

    @Override
    public Optional<Account> authenticate(String username, String secret) {
        long id;
        try {
            id = Long.parseLong(username.substring(BuildAccount.NAME_PREFIX.length()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return builds.running(id)
                .filter(build -> build.credentialHash() != null && build.submittedBy() != null
                        && MessageDigest.isEqual(build.credentialHash(), hash(secret)))
                .flatMap(build -> accounts.find(build.submittedBy())
                        .map(submitter -> new BuildAccount(id, submitter, writable(build.spec()))));
    }

    /** The repositories of the build's tags and its cache. */
    static Set<String> writable(BuildSpec spec) {
        Set<String> repositories = new LinkedHashSet<>();
        spec.tags().forEach(tag -> repositories.add(BuildRequests.repositoryOf(tag)));
        repositories.add(spec.cacheRepository());
        return repositories;
    }

    private static byte[] hash(String secret) {
        return Digest.sha256(secret.getBytes(StandardCharsets.UTF_8)).hex().getBytes(StandardCharsets.US_ASCII);
    }
}
