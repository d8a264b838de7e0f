package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class PixmapCacheTest {
    @Test
    void theLeastRecentlyUsedImagesMakeRoomAndAreNamedForInvalidation() {
        PixmapCache cache = new PixmapCache(100);
        assertTrue(cache.add(1, 40));
        assertEquals(List.of(), cache.endMessage(true));
        assertTrue(cache.add(2, 40));
        cache.endMessage(true);
        assertTrue(cache.hit(1)); // 2 is now the least recently used
        cache.endMessage(true);
        assertTrue(cache.add(3, 40));
        assertEquals(List.of(2L), cache.endMessage(true));
        assertFalse(cache.hit(2));
        assertEquals(80, cache.usedPixels());
    }

    @Test
    void imagesTheCurrentMessageUsesAreNeverEvictedForIt() {
        PixmapCache cache = new PixmapCache(100);
        cache.add(1, 60);
        cache.endMessage(true);
        assertTrue(cache.hit(1)); // the message being built sends 1 FROM_CACHE ...
        assertFalse(cache.add(2, 60), "... so 2 does not fit beside it");
        assertEquals(List.of(), cache.endMessage(true));
        assertTrue(cache.hit(1));
    }

    @Test
    void aMessageThatWentOutWithoutItsImagesForgetsThem() {
        PixmapCache cache = new PixmapCache(100);
        cache.add(1, 60);
        cache.endMessage(true);
        assertTrue(cache.add(2, 70));
        assertEquals(List.of(1L), cache.endMessage(false), "1 was dropped to make room: the client still drops it");
        assertFalse(cache.hit(2), "2 never reached the client");
        assertEquals(0, cache.usedPixels());
    }

    @Test
    void imagesLargerThanTheCacheAndIdsAlreadyHeldAreNotAdded() {
        PixmapCache cache = new PixmapCache(100);
        assertFalse(cache.add(1, 101));
        assertFalse(cache.add(2, 0));
        assertTrue(cache.add(3, 10));
        assertFalse(cache.add(3, 10));
        assertEquals(10, cache.usedPixels());
    }

    @Test
    void tinyImagesCannotGrowTheRecordPastItsEntryBound() {
        PixmapCache cache = new PixmapCache(PixmapCache.MAX_PIXELS);
        for (long id = 1; id <= PixmapCache.MAX_ENTRIES + 10; id++) {
            assertTrue(cache.add(id, 1));
            cache.endMessage(true);
        }
        assertEquals(PixmapCache.MAX_ENTRIES, cache.size());
        assertFalse(cache.hit(1));
        assertTrue(cache.hit(PixmapCache.MAX_ENTRIES + 10));
    }

    @Test
    void clearForgetsEverything() {
        PixmapCache cache = new PixmapCache(100);
        cache.add(1, 10);
        cache.endMessage(true);
        cache.clear();
        assertFalse(cache.hit(1));
        assertEquals(0, cache.usedPixels());
    }
}
