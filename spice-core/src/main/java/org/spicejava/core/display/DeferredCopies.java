package org.spicejava.core.display;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;

import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Rect;

/**
 * Plain opaque copies not drawn on their surface yet, oldest first. Each keeps the part of its box that no later
 * copy has covered, since a later copy overwrites the rest: a moved window's frames then cost the strips they leave
 * uncovered instead of their whole boxes, and a copy covered entirely is never drawn (the reference's drawable tree
 * drops what later opaque drawables cover in the same way). Anything that reads surface pixels draws them first
 * ({@link #drawAll}). Display worker thread.
 */
final class DeferredCopies {
    /** Copies kept at most, and their image bytes; past either the oldest is drawn. */
    static final int MAX_COPIES = 16;
    static final long MAX_BYTES = 16L << 20;
    /** A visible part split into more rectangles than this is drawn a little too much rather than split further. */
    static final int MAX_PARTS = 32;

    private final Renderer renderer;
    private final ArrayDeque<Copy> copies = new ArrayDeque<>();
    private long bytes;

    /** One deferred copy; {@code visible} is what of its box is still to be drawn, as disjoint rectangles. */
    private static final class Copy {
        final Surface surface;
        final Drawable drawable;
        final PixelPool.Lease images;
        List<Rect> visible;

        Copy(Surface surface, Drawable drawable, PixelPool.Lease images) {
            this.surface = surface;
            this.drawable = drawable;
            this.images = images;
            this.visible = List.of(drawable.bbox());
        }
    }

    DeferredCopies(Renderer renderer) {
        this.renderer = renderer;
    }

    /**
     * Defers {@code d}, an opaque cover ({@link DisplayMessages#isOpaqueCover}) of {@code target}, keeping a
     * reference to {@code images} until it is drawn or dropped.
     */
    void add(Surface target, Drawable d, PixelPool.Lease images) {
        Rect box = d.bbox();
        for (Iterator<Copy> it = copies.iterator(); it.hasNext(); ) { // per drawable: no lambda to make
            Copy e = it.next();
            if (e.surface != target || !e.drawable.bbox().intersects(box)) {
                continue;
            }
            List<Rect> left = Rect.subtract(e.visible, box);
            if (left.isEmpty()) {
                it.remove();
                forget(e);
            } else if (left.size() <= MAX_PARTS) {
                e.visible = left;
            }
        }
        copies.add(new Copy(target, d, images.retain()));
        bytes += imageBytes(d);
        while (copies.size() > MAX_COPIES || bytes > MAX_BYTES && copies.size() > 1) {
            drawOldest();
        }
    }

    /** Draws every deferred copy, in order. */
    void drawAll() {
        while (!copies.isEmpty()) {
            drawOldest();
        }
    }

    /** Forgets the copies of a surface that goes away. */
    void drop(int surfaceId) {
        for (Iterator<Copy> it = copies.iterator(); it.hasNext(); ) {
            Copy e = it.next();
            if (e.surface.id() == surfaceId) {
                it.remove();
                forget(e);
            }
        }
    }

    int size() {
        return copies.size();
    }

    /** Pixels still to be drawn. */
    long pendingArea() {
        long area = 0;
        for (Copy e : copies) {
            for (Rect r : e.visible) {
                area += (long) r.width() * r.height();
            }
        }
        return area;
    }

    private void drawOldest() {
        Copy e = copies.poll();
        bytes -= imageBytes(e.drawable);
        try {
            Drawable d = e.drawable;
            boolean whole = e.visible.size() == 1 && e.visible.getFirst().equals(d.bbox());
            renderer.draw(e.surface, whole ? d : new Drawable(d.surfaceId(), d.effect(), d.bbox(),
                    e.visible, d.op(), d.mmTime()));
        } finally {
            e.images.close();
        }
    }

    private void forget(Copy e) {
        bytes -= imageBytes(e.drawable);
        e.images.close();
    }

    private static long imageBytes(Drawable d) {
        return d.op() instanceof DrawOp.Copy c && c.src() instanceof Bitmap b ? b.pixels().byteSize() : 0;
    }
}
