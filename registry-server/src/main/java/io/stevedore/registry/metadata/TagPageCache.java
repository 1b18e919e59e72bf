package io.stevedore.registry.metadata;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Tag pages this replica answered, by repository, stamp, database server start, {@code last} and
 * {@code limit}, the least recently used dropped first once they hold more than a budget of
 * bytes. A page is only ever served for the stamp it was read with (migration V17 says why that
 * is exact), so an entry is never invalidated: a change of the tags moves the stamp and the old
 * pages age out. A lock rather than {@code synchronized}: requests run on virtual threads, which
 * {@code synchronized} pins to their carrier on Java 21.
 */
final class TagPageCache {
    /** What an entry costs beyond its strings' characters: the key, the page, the map's entry, headers. */
    static final int ENTRY_OVERHEAD_BYTES = 256;

    record Key(long repositoryId, long stamp, long databaseStart, String last, int limit) {
    }

    private final long budgetBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<Key, NamePage> pages = new LinkedHashMap<>(256, 0.75f, true);
    private long bytes;

    TagPageCache(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    NamePage get(Key key) {
        lock.lock();
        try {
            return pages.get(key);
        } finally {
            lock.unlock();
        }
    }

    /** Keeps the page unless it alone would take more than a quarter of the budget. */
    void put(Key key, NamePage page) {
        long size = size(key, page);
        if (size > budgetBytes / 4) {
            return;
        }
        lock.lock();
        try {
            NamePage previous = pages.put(key, page);
            bytes += size - (previous == null ? 0 : size(key, previous));
            for (Iterator<Map.Entry<Key, NamePage>> eldest = pages.entrySet().iterator();
                    bytes > budgetBytes && eldest.hasNext(); ) {
                Map.Entry<Key, NamePage> entry = eldest.next();
                bytes -= size(entry.getKey(), entry.getValue());
                eldest.remove();
            }
        } finally {
            lock.unlock();
        }
    }

    long bytes() {
        lock.lock();
        try {
            return bytes;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return pages.size();
        } finally {
            lock.unlock();
        }
    }

    /** Tag names are ASCII (so is their JSON), which compact strings keep at a byte a character. */
    private static long size(Key key, NamePage page) {
        return ENTRY_OVERHEAD_BYTES + key.last().length() + page.json().length()
                + (page.last() == null ? 0 : page.last().length());
    }
}
