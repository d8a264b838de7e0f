package org.spicejava.core.display.draw;

import java.util.ArrayList;
import java.util.List;

/** A rectangle in SPICE's field order (QXLRect and the wire Rect): bottom and right are exclusive. */
public record Rect(int top, int left, int bottom, int right) {
    public static final Rect EMPTY = new Rect(0, 0, 0, 0);

    public static Rect ofSize(int width, int height) {
        return new Rect(0, 0, height, width);
    }

    public int width() {
        return right - left;
    }

    public int height() {
        return bottom - top;
    }

    public boolean isEmpty() {
        return right <= left || bottom <= top;
    }

    /** A well-formed rectangle has left <= right and top <= bottom. */
    public boolean wellFormed() {
        return left <= right && top <= bottom;
    }

    public Rect intersect(Rect other) {
        Rect r = new Rect(Math.max(top, other.top), Math.max(left, other.left), Math.min(bottom, other.bottom),
                Math.min(right, other.right));
        return r.isEmpty() ? EMPTY : r;
    }

    /** Whether the two share a pixel (without making their intersection). */
    public boolean intersects(Rect other) {
        return Math.max(left, other.left) < Math.min(right, other.right)
                && Math.max(top, other.top) < Math.min(bottom, other.bottom);
    }

    /** The smallest rectangle holding both (an empty one adds nothing). */
    public Rect union(Rect other) {
        if (isEmpty()) {
            return other;
        }
        if (other.isEmpty()) {
            return this;
        }
        return new Rect(Math.min(top, other.top), Math.min(left, other.left), Math.max(bottom, other.bottom),
                Math.max(right, other.right));
    }

    public boolean contains(Rect other) {
        return other.left >= left && other.right <= right && other.top >= top && other.bottom <= bottom;
    }

    // Written out rather than the record's generated ones, which go through method handles: clips and regions
    // compare rectangles for every drawable, and that code runs in C1 long before C2 gets to it.
    @Override
    public boolean equals(Object o) {
        return o instanceof Rect r && r.top == top && r.left == left && r.bottom == bottom && r.right == right;
    }

    @Override
    public int hashCode() {
        return ((top * 31 + left) * 31 + bottom) * 31 + right;
    }

    /** {@code rects} minus {@code cut}, as disjoint rectangles (each split in at most four bands). */
    public static List<Rect> subtract(List<Rect> rects, Rect cut) {
        List<Rect> out = new ArrayList<>();
        for (Rect r : rects) {
            Rect i = r.intersect(cut);
            if (i.isEmpty()) {
                out.add(r);
                continue;
            }
            addIfAny(out, new Rect(r.top(), r.left(), i.top(), r.right()));
            addIfAny(out, new Rect(i.bottom(), r.left(), r.bottom(), r.right()));
            addIfAny(out, new Rect(i.top(), r.left(), i.bottom(), i.left()));
            addIfAny(out, new Rect(i.top(), i.right(), i.bottom(), r.right()));
        }
        return out;
    }

    private static void addIfAny(List<Rect> out, Rect r) {
        if (!r.isEmpty()) {
            out.add(r);
        }
    }
}
