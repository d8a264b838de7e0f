package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Rect;

/** Deferred opaque copies draw only what later copies leave uncovered, and the surface ends up the same. */
class DeferredCopiesTest {
    private static final int WIDTH = 64;
    private static final int HEIGHT = 48;
    private final Arena arena = Arena.ofConfined();
    private final Renderer renderer = new Renderer(id -> null);
    private final PixelPool pool = new PixelPool();
    private final AtomicInteger closed = new AtomicInteger();

    @AfterEach
    void close() {
        arena.close();
    }

    private Surface surface() {
        MemorySegment mem = arena.allocate(4L * WIDTH * HEIGHT, 8);
        return new Surface(0, WIDTH, HEIGHT, Surface.FMT_32_XRGB, 4 * WIDTH, mem, true);
    }

    private static Drawable copy(Rect box, Random random) {
        int[] pixels = new int[box.width() * box.height()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt() & 0xFFFFFF;
        }
        return DisplayMessages.copy(0, box, Bitmap.of(box.width(), box.height(), pixels, false), null).drawable();
    }

    private PixelPool.Lease lease() {
        PixelPool.Lease lease = pool.lease();
        lease.afterClose(closed::incrementAndGet);
        return lease;
    }

    /** Adds as the display channel does: the channel's own reference is dropped once the copy is queued. */
    private void add(DeferredCopies copies, Surface s, Drawable d) {
        try (PixelPool.Lease lease = lease()) {
            copies.add(s, d, lease);
        }
    }

    @Test
    void coveredPartsAreLeftOutAndFullyCoveredCopiesDropped() {
        Surface s = surface();
        DeferredCopies copies = new DeferredCopies(renderer);
        Random random = new Random(1);
        add(copies, s, copy(new Rect(0, 0, 32, 32), random));
        add(copies, s, copy(new Rect(0, 16, 32, 48), random)); // covers the first one's right half
        assertEquals(16 * 32 + 32 * 32, copies.pendingArea());
        add(copies, s, copy(new Rect(0, 0, 40, 16), random)); // and the rest of it (16 wide, 40 high)
        assertEquals(2, copies.size());
        assertEquals(1, closed.get(), "the covered copy's images are released when it is dropped");
        assertEquals(32 * 32 + 16 * 40, copies.pendingArea());
        copies.drawAll();
        assertEquals(0, copies.size());
        assertEquals(3, closed.get());
    }

    @Test
    void aSurfaceDrawnFromWhatIsLeftEqualsEveryCopyDrawnInOrder() {
        Random random = new Random(7);
        for (int round = 0; round < 20; round++) {
            Surface lazy = surface();
            Surface eager = surface();
            DeferredCopies copies = new DeferredCopies(renderer);
            for (int i = 0; i < 60; i++) {
                int left = random.nextInt(WIDTH - 1);
                int top = random.nextInt(HEIGHT - 1);
                Rect box = new Rect(top, left, top + 1 + random.nextInt(HEIGHT - top),
                        left + 1 + random.nextInt(WIDTH - left));
                Drawable d = copy(box, random);
                add(copies, lazy, d);
                renderer.draw(eager, d);
                if (random.nextInt(10) == 0) {
                    copies.drawAll();
                }
            }
            copies.drawAll();
            assertArrayEquals(eager.read(eager.bounds()), lazy.read(lazy.bounds()), "round " + round);
        }
        assertEquals(20 * 60, closed.get(), "every lease released exactly once");
    }

    @Test
    void droppedSurfaceReleasesItsCopies() {
        Surface s = surface();
        DeferredCopies copies = new DeferredCopies(renderer);
        Random random = new Random(3);
        add(copies, s, copy(new Rect(0, 0, 8, 8), random));
        add(copies, s, copy(new Rect(8, 8, 16, 16), random));
        copies.drop(0);
        assertEquals(0, copies.size());
        assertEquals(2, closed.get());
    }
}
