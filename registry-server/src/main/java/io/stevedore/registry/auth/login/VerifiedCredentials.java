package io.stevedore.registry.auth.login;

import io.stevedore.registry.auth.accounts.RobotStore;
import io.stevedore.registry.auth.accounts.Secrets;
import io.stevedore.registry.config.RegistryProperties;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * Credentials verified a moment ago, so that a client sending HTTP Basic with every request (as
 * simple clients do on /v2) costs one Argon2 check per {@code ttl}, not one per request. Keyed by
 * SHA-256 of name and secret, so the map holds no secret. Entries of an account are dropped when
 * its password changes, its token is revoked or regenerated, or it is deleted; on this replica
 * at once, on others within {@code ttl}.
 */
@Component
public class VerifiedCredentials {
    /** Beyond this many entries the expired ones are swept, and if none were, all are dropped. */
    private static final int MAX_ENTRIES = 10_000;

    private record Entry(Login login, long expiresAtNanos) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /** Verifications running now, by key: requests arriving meanwhile with the same credentials wait for them. */
    private final Map<String, CompletableFuture<Login>> running = new ConcurrentHashMap<>();
    private final long ttlNanos;

    public VerifiedCredentials(RegistryProperties properties) {
        this.ttlNanos = properties.auth().credentialCacheTtl().toNanos();
    }

    Optional<Login> find(String name, String secret) {
        if (ttlNanos <= 0) {
            return Optional.empty();
        }
        String key = key(name, secret);
        Entry entry = entries.get(key);
        if (entry == null) {
            return Optional.empty();
        }
        if (System.nanoTime() - entry.expiresAtNanos() > 0) {
            entries.remove(key, entry);
            return Optional.empty();
        }
        return Optional.of(entry.login());
    }

    /**
     * {@code verify}'s answer, computed once for all the requests that bring the same credentials
     * while they are not remembered: when an entry expires under load, every client thread misses
     * at once, and each would hash the password (tens of milliseconds of CPU each) for one answer.
     * A failure ({@link AuthenticationFailed}) is every waiter's failure.
     */
    Login verifyOnce(String name, String secret, Supplier<Login> verify) {
        if (ttlNanos <= 0) {
            return verify.get();
        }
        String key = key(name, secret);
        CompletableFuture<Login> mine = new CompletableFuture<>();
        CompletableFuture<Login> other = running.putIfAbsent(key, mine);
        if (other != null) {
            try {
                return other.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        try {
            Login login = find(name, secret).orElseGet(verify);
            mine.complete(login);
            return login;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            running.remove(key, mine);
        }
    }

    void remember(String name, String secret, Login login) {
        if (ttlNanos <= 0) {
            return;
        }
        if (entries.size() >= MAX_ENTRIES) {
            long now = System.nanoTime();
            entries.values().removeIf(e -> now - e.expiresAtNanos() > 0);
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
        }
        entries.put(key(name, secret), new Entry(login, System.nanoTime() + ttlNanos));
    }

    /** Forgets every verified credential of the account. */
    public void forget(String accountName) {
        entries.values().removeIf(e -> e.login().account().name().equals(accountName));
    }

    /** Forgets every verified credential of the namespace's owner and of its robots. */
    public void forgetNamespace(String namespace) {
        entries.values().removeIf(e -> {
            String name = e.login().account().name();
            return name.equals(namespace) || name.startsWith(namespace + RobotStore.SEPARATOR);
        });
    }

    private static String key(String name, String secret) {
        // The NUL cannot occur in a user name, so no two (name, secret) pairs share a key.
        return Secrets.sha256(name + '\0' + secret);
    }
}
