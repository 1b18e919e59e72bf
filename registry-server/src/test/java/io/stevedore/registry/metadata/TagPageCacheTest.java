package io.stevedore.registry.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TagPageCacheTest {

    private static NamePage page(int chars) {
        return new NamePage("x".repeat(chars), 1, null, false);
    }

    private static TagPageCache.Key key(long stamp) {
        return new TagPageCache.Key(1, stamp, "", 10);
    }

    @Test
    void theLeastRecentlyUsedPagesGoOnceTheBudgetIsSpent() {
        TagPageCache cache = new TagPageCache(1_000);
        for (int stamp = 1; stamp <= 4; stamp++) {
            cache.put(key(stamp), page(180)); // 244 characters with the entry's share
        }
        cache.get(key(1));
        cache.put(key(5), page(180)); // 5 x 244 > 1,000: the eldest unused, 2, goes

        assertThat(cache.get(key(2))).isNull();
        for (int stamp : new int[] {1, 3, 4, 5}) {
            assertThat(cache.get(key(stamp))).as("page %d", stamp).isNotNull();
        }
        assertThat(cache.chars()).isLessThanOrEqualTo(1_000);
    }

    @Test
    void aPageLargerThanAQuarterOfTheBudgetIsNotKept() {
        TagPageCache cache = new TagPageCache(1_000);
        cache.put(key(1), page(300));
        assertThat(cache.get(key(1))).isNull();
        assertThat(cache.chars()).isZero();
    }

    @Test
    void replacingAPageCountsOnlyTheNewOne() {
        TagPageCache cache = new TagPageCache(1_000);
        cache.put(key(1), page(100));
        cache.put(key(1), page(50));
        assertThat(cache.size()).isEqualTo(1);
        assertThat(cache.chars()).isEqualTo(64 + 50);
    }
}
