package org.spicejava.core.display;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Our record of one client's pixmap cache (the reference's PixmapCache): which guest image ids the client holds, so
 * an image it has is sent as FROM_CACHE and a new cacheable one as CACHE_ME. The client keeps what it is told to and
 * drops only what INVAL_LIST names, so this record must never claim an id the client lacks: a client asked for an
 * image it does not have waits for it for good. Sizes are in pixels, as the client's DISPLAY_INIT counts them.
 * Display worker thread.
 *
 * <p>Work is done per message: images looked up or added while one message is built stay pinned (an eviction must
 * not remove what that same message refers to), and {@link #endMessage} says which ids to invalidate before it.
 */
final class PixmapCache {
    /** Largest cache a client may announce, in pixels (spice-gtk asks for 32 Mi). */
    static final long MAX_PIXELS = 64L << 20;
    /** Most images we track, whatever their size, so tiny images cannot grow our heap. */
    static final int MAX_ENTRIES = 32 * 1024;

    private final long capacity;
    private long used;
    /** Id to size in pixels, least recently used first. */
    private final LinkedHashMap<Long, Integer> items = new LinkedHashMap<>(64, 0.75f, true);
    private final Set<Long> pinned = new HashSet<>();
    private final List<Long> added = new ArrayList<>();
    private final List<Long> evicted = new ArrayList<>();

    /** {@code pixels}: the size the client announced, already clamped. */
    PixmapCache(long pixels) {
        this.capacity = pixels;
    }

    /** True when the client holds {@code id}; it becomes the most recently used. */
    boolean hit(long id) {
        if (items.get(id) == null) {
            return false;
        }
        pinned.add(id);
        return true;
    }

    /**
     * Records that the client will keep {@code id}, evicting least recently used images not pinned by this message;
     * false when it does not fit (the image is then sent without CACHE_ME).
     */
    boolean add(long id, long pixels) {
        if (pixels <= 0 || pixels > capacity || items.containsKey(id)) {
            return false;
        }
        Iterator<Map.Entry<Long, Integer>> oldest = items.entrySet().iterator();
        while ((used + pixels > capacity || items.size() >= MAX_ENTRIES) && oldest.hasNext()) {
            Map.Entry<Long, Integer> e = oldest.next();
            if (!pinned.contains(e.getKey())) {
                oldest.remove();
                used -= e.getValue();
                evicted.add(e.getKey());
            }
        }
        if (used + pixels > capacity || items.size() >= MAX_ENTRIES) {
            return false;
        }
        items.put(id, (int) pixels);
        used += pixels;
        pinned.add(id);
        added.add(id);
        return true;
    }

    /**
     * Ends the message being built; returns the ids the client must drop before that message. {@code sent} false:
     * the message went out without its CACHE_ME images (an encoder failed), so they are forgotten again.
     */
    List<Long> endMessage(boolean sent) {
        if (!sent) {
            for (long id : added) {
                used -= items.remove(id);
            }
        }
        List<Long> drop = List.copyOf(evicted);
        pinned.clear();
        added.clear();
        evicted.clear();
        return drop;
    }

    /** The client is told to drop everything (INVAL_ALL_PIXMAPS). */
    void clear() {
        items.clear();
        used = 0;
        endMessage(true);
    }

    long usedPixels() {
        return used;
    }

    int size() {
        return items.size();
    }
}
