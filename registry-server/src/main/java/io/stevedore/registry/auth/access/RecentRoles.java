package io.stevedore.registry.auth.access;

import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.auth.accounts.Account;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.config.RegistryProperties;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Roles PostgreSQL granted a moment ago, so that a client sending the same credentials with every
 * request (HTTP Basic on /v2) costs one access query per {@code registry.auth.access-cache-ttl},
 * not one per request. Only granted roles are remembered: a refusal is always asked again, so new
 * grants apply at once. Everything that can take access away (grants, memberships, visibility,
 * deletions of accounts and repositories) is audited, and any audited change other than pushing
 * content forgets every role: at once on this replica, again when the change commits (a request
 * reading the old grants meanwhile must not keep them), on other replicas within the TTL.
 */
@Component
class RecentRoles implements AuditLog.Listener {
    /** Beyond this many entries all are dropped: the cache holds active callers, not a table. */
    private static final int MAX_ENTRIES = 10_000;

    /** Audited events that change content or sessions, never who may do what. */
    private static final Set<String> CONTENT_EVENTS = Set.of(AuditLog.LOGIN_SUCCESS, AuditLog.LOGIN_FAILURE,
            AuditLog.TOKEN_GRANT, AuditLog.MANIFEST_PUSHED, AuditLog.MANIFEST_DELETED, AuditLog.TAG_DELETED,
            AuditLog.BLOB_DELETED, AuditLog.GC_REQUESTED);

    private record Key(Account account, String repository) {
    }

    private record Entry(Role role, long expiresAtNanos) {
    }

    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
    /** Bumped by every forgetting, so that a query that started before one does not store its answer. */
    private final AtomicLong generation = new AtomicLong();
    private final long ttlNanos;

    RecentRoles(RegistryProperties properties) {
        this.ttlNanos = properties.auth().accessCacheTtl().toNanos();
    }

    /** The account's (null: anonymous) role on the repository, remembered or from {@code query}. */
    Optional<Role> role(Account account, RepositoryName repository, Supplier<Optional<Role>> query) {
        if (ttlNanos <= 0) {
            return query.get();
        }
        Key key = new Key(account, repository.value());
        Entry entry = entries.get(key);
        long now = System.nanoTime();
        if (entry != null && now - entry.expiresAtNanos() < 0) {
            return Optional.of(entry.role());
        }
        long before = generation.get();
        Optional<Role> role = query.get();
        if (role.isPresent()) {
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
            entries.put(key, new Entry(role.get(), now + ttlNanos));
            if (generation.get() != before) {
                entries.remove(key); // access changed while we asked: the answer may be the old one
            }
        }
        return role;
    }

    @Override
    public void recorded(String event) {
        if (CONTENT_EVENTS.contains(event)) {
            return;
        }
        forget();
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    forget();
                }
            });
        }
    }

    private void forget() {
        generation.incrementAndGet();
        entries.clear();
    }
}
