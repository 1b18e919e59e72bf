package io.stevedore.registry.metadata;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tag pages this replica answered, by repository, stamp, {@code last} and {@code limit}, the least
 * recently used dropped first once they hold more than a budget of characters. A page is only
 * ever served for the stamp it was read with (migration V17 says why that is exact), so an entry
 * is never invalidated: a change of the tags moves the stamp and the old pages age out.
 */
final class TagPageCache {
    record Key(long repositoryId, long stamp, String last, int limit) {
    }

    private final long budgetChars;
    private final LinkedHashMap<Key, NamePage> pages = new LinkedHashMap<>(256, 0.75f, true);
    private long chars;

    TagPageCache(long budgetChars) {
        this.budgetChars = budgetChars;
    }

    synchronized NamePage get(Key key) {
        return pages.get(key);
    }

    /** Keeps the page unless it alone would take more than a quarter of the budget. */
    synchronized void put(Key key, NamePage page) {
        long size = size(key, page);
        if (size > budgetChars / 4) {
            return;
        }
        NamePage previous = pages.put(key, page);
        chars += size - (previous == null ? 0 : size(key, previous));
        for (Iterator<Map.Entry<Key, NamePage>> eldest = pages.entrySet().iterator();
                chars > budgetChars && eldest.hasNext(); ) {
            Map.Entry<Key, NamePage> entry = eldest.next();
            chars -= size(entry.getKey(), entry.getValue());
            eldest.remove();
        }
    }

    synchronized long chars() {
        return chars;
    }

    synchronized int size() {
        return pages.size();
    }

    private static long size(Key key, NamePage page) {
        // the strings dominate; 64 stands for the entry's objects
        return 64 + key.last().length() + page.json().length() + (page.last() == null ? 0 : page.last().length());
    }
}
