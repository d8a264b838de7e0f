package org.spicejava.core.compress;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import org.spicejava.core.display.draw.Bitmap;

/**
 * One client session's GLZ dictionary (the reference's shared GLZ dictionary): the image ids the client's GLZ
 * window expects (from 0, one per image, across the session's display channels) and copies of the latest images,
 * so a new image may copy runs from them (a scrolled line, a window moved). Each image tells the client how far
 * back the window reaches (win_head_dist), so the client keeps exactly the images we may still name. Any thread:
 * display channels of one session live on different workers, so encoding is serialized here.
 */
public final class GlzWindow {
    /** Pixels of earlier images we keep at most (16 MiB), whatever window the client offers. */
    public static final int MAX_PIXELS = 4 << 20;
    /** Images kept at most: tiny ones (a blinking text cursor) would otherwise pile up by the thousand. */
    static final int MAX_IMAGES = 1024;

    private record Kept(long id, Arena arena, MemorySegment pixels) {
    }

    /** Read access to the kept images, for the encoder. */
    interface Images {
        /** The pixels of image {@code id}, or null when it is not (or no longer) kept. */
        MemorySegment pixels(long id);

        /** Where a window hash was last seen in a kept image, as (id << 32 | position + 1), or 0. */
        long find(int windowHash);
    }

    private final ArrayDeque<Kept> kept = new ArrayDeque<>();
    private final Map<Long, Kept> byId = new HashMap<>();
    private final long[] table = new long[1 << LzStream.WINDOW_HASH_BITS];
    /** The image evicted last, its memory kept for the next copy of that size; null for none. */
    private Kept spare;
    private long keptPixels;
    private long nextId;
    /** Kept images from this id on are not in {@link #table} yet. */
    private long indexedFrom;
    private boolean closed;

    /**
     * A GLZ_RGB payload for {@code b}, with the next id, copying from earlier images that fit in
     * {@code windowPixels} (the client's DISPLAY_INIT window, clamped by the caller). RGBA images reference only
     * themselves and are not kept: runs are copied between images of one type only.
     */
    public synchronized MemorySegment encode(Bitmap b, int windowPixels, SegmentAllocator alloc) {
        long id = nextId++;
        long pixels = (long) b.width() * b.height();
        long budget = Math.min(windowPixels, MAX_PIXELS);
        // An image over half the window is pushed out by the next one its size before that can copy from it: a
        // full-HD frame in the 12 MB window a client offers by default. Not kept, it costs no 8 MB copy a frame.
        boolean keep = !b.alpha() && !closed && pixels <= budget / 2;
        while (keep && (keptPixels + pixels > budget || kept.size() >= MAX_IMAGES)) {
            evictOldest();
        }
        long headDistance = kept.isEmpty() ? 0 : id - kept.peekFirst().id();
        ByteSink out = LzImage.glzHeader(b, id, headDistance, alloc);
        int count = (int) pixels;
        if (b.alpha()) {
            LzStream.encode(b.pixels(), count, LzStream.Plane.RGB, LzStream.Format.GLZ, out);
            LzStream.encode(b.pixels(), count, LzStream.Plane.ALPHA, LzStream.Format.GLZ, out);
        } else {
            indexKept(id);
            LzStream.encode(b.pixels(), count, LzStream.Plane.RGB, LzStream.Format.GLZ, kept.isEmpty() ? null : images,
                    id, out);
        }
        if (keep) {
            Kept k = copyOf(b.pixels(), 4 * pixels, id);
            kept.addLast(k);
            byId.put(id, k);
            keptPixels += pixels;
        }
        return out.written();
    }

    /**
     * Enters the kept images not yet in the window hash. An image is entered when the next image is encoded with
     * it still kept, not when it is kept: a full-screen frame in a window that holds only one is evicted before the
     * next and was never worth its 260,000 hash entries.
     */
    private void indexKept(long encoding) {
        for (Kept k : kept) {
            if (k.id() < indexedFrom) {
                continue;
            }
            MemorySegment copy = k.pixels();
            int count = (int) (copy.byteSize() / 4);
            for (int at = 0; at + LzStream.WINDOW_KEY <= count; at += LzStream.WINDOW_STEP) {
                int hash = LzStream.windowHash(copy, at);
                if (hash >= 0) {
                    table[hash] = k.id() << 32 | (at + 1);
                }
            }
        }
        indexedFrom = encoding; // the image being encoded, kept (if at all) after it
    }

    private final WindowImages images = new WindowImages();

    private final class WindowImages implements Images {
        /** The image asked for last: the matches of one image mostly come from the same earlier one. */
        private Kept last;

        @Override
        public MemorySegment pixels(long id) {
            Kept k = last;
            if (k == null || k.id() != id) {
                if (kept.isEmpty() || id < kept.peekFirst().id()) {
                    return null; // evicted since the table named it
                }
                k = byId.get(id);
                if (k == null) {
                    return null;
                }
                last = k;
            }
            return k.pixels();
        }

        @Override
        public long find(int windowHash) {
            return table[windowHash];
        }
    }

    private void evictOldest() {
        Kept oldest = kept.removeFirst();
        if (images.last == oldest) {
            images.last = null; // its memory is about to go
        }
        byId.remove(oldest.id());
        keptPixels -= oldest.pixels().byteSize() / 4;
        if (spare != null) {
            spare.arena().close();
        }
        spare = oldest;
    }

    /**
     * A copy of {@code bytes} of {@code pixels} kept as image {@code id}, in the memory of the image evicted last when
     * it has that size: a stream of equal frames then neither zero-fills nor frees 8 MB a full-HD frame.
     */
    private Kept copyOf(MemorySegment pixels, long bytes, long id) {
        Arena arena;
        MemorySegment copy;
        if (spare != null && spare.pixels().byteSize() == bytes) {
            arena = spare.arena();
            copy = spare.pixels();
            spare = null;
        } else {
            arena = Arena.ofShared();
            copy = arena.allocate(bytes, 8);
        }
        MemorySegment.copy(pixels, 0, copy, 0, bytes);
        return new Kept(id, arena, copy);
    }

    /** The id the next image gets (the reference's last_image_id, which a seamless migration carries). */
    public synchronized long nextImageId() {
        return nextId;
    }

    /**
     * A session arriving with its migrated VM: its client's GLZ window holds images up to {@code next - 1} from
     * the source, so ours go on from {@code next}. Only before the first image; false (and nothing changed) after.
     */
    public synchronized boolean continueFrom(long next) {
        if (nextId != 0 || !kept.isEmpty() || next < 0) {
            return false;
        }
        nextId = next;
        return true;
    }

    /** Ids given out so far. */
    public synchronized long imagesEncoded() {
        return nextId;
    }

    /** The session ended: the copies go; later images (if any) reference only themselves. */
    public synchronized void close() {
        closed = true;
        while (!kept.isEmpty()) {
            evictOldest();
        }
        if (spare != null) {
            spare.arena().close();
            spare = null;
        }
    }
}
