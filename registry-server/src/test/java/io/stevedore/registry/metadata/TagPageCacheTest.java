package io.stevedore.registry.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TagPageCacheTest {
    private static final int ENTRY = TagPageCache.ENTRY_OVERHEAD_BYTES;

    private static NamePage page(int bytes) {
        return new NamePage("x".repeat(bytes), 1, null, false);
    }

    private static TagPageCache.Key key(long stamp) {
        return new TagPageCache.Key(1, stamp, 7, "", 10);
    }

    @Test
    void theLeastRecentlyUsedPagesGoOnceTheBudgetIsSpent() {
        TagPageCache cache = new TagPageCache(4 * (ENTRY + 100) + 50);
        for (int stamp = 1; stamp <= 4; stamp++) {
            cache.put(key(stamp), page(100));
        }
        cache.get(key(1));
        cache.put(key(5), page(100)); // five do not fit: the eldest unused, 2, goes

        assertThat(cache.get(key(2))).isNull();
        for (int stamp : new int[] {1, 3, 4, 5}) {
            assertThat(cache.get(key(stamp))).as("page %d", stamp).isNotNull();
        }
        assertThat(cache.bytes()).isEqualTo(4 * (ENTRY + 100));
    }

    @Test
    void aPageLargerThanAQuarterOfTheBudgetIsNotKept() {
        TagPageCache cache = new TagPageCache(4 * (ENTRY + 100));
        cache.put(key(1), page(101));
        assertThat(cache.get(key(1))).isNull();
        assertThat(cache.bytes()).isZero();
    }

    @Test
    void replacingAPageCountsOnlyTheNewOne() {
        TagPageCache cache = new TagPageCache(10_000);
        cache.put(key(1), page(100));
        cache.put(key(1), page(50));
        assertThat(cache.size()).isEqualTo(1);
        assertThat(cache.bytes()).isEqualTo(ENTRY + 50);
    }

    @Test
    void anotherDatabaseServersPageIsAnotherEntry() {
        TagPageCache cache = new TagPageCache(10_000);
        cache.put(new TagPageCache.Key(1, 5, 7, "", 10), page(10));
        assertThat(cache.get(new TagPageCache.Key(1, 5, 8, "", 10))).isNull();
    }
}
