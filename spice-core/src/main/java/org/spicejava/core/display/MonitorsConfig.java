package org.spicejava.core.display;

import java.util.ArrayList;
import java.util.List;

/**
 * QXLMonitorsConfig / the wire MONITORS_CONFIG: which part of which surface each monitor shows. A guest's config is
 * fitted to the primary surface whenever it is sent ({@link #within}), since the primary may change after the guest
 * described its heads.
 */
public record MonitorsConfig(int maxAllowed, List<Head> heads) {
    /** Heads we accept from a guest (the reference's MAX_MONITORS_COUNT is 16; leave room). */
    public static final int MAX_HEADS = 64;

    public MonitorsConfig {
        heads = List.copyOf(heads);
    }

    /** One head; the guest's fields are u32, kept here as their bits (read them unsigned). */
    public record Head(int id, int surfaceId, int width, int height, int x, int y, int flags) {
        long right() {
            return Integer.toUnsignedLong(x) + Integer.toUnsignedLong(width);
        }

        long bottom() {
            return Integer.toUnsignedLong(y) + Integer.toUnsignedLong(height);
        }
    }

    /** At most {@code max} heads, and no more allowed than that. */
    public MonitorsConfig limitedTo(int max) {
        return heads.size() <= max && maxAllowed <= max ? this
                : new MonitorsConfig(Math.min(maxAllowed, max), heads.subList(0, Math.min(heads.size(), max)));
    }

    /**
     * This config as clients get it with {@code primary}: each head cut to the surface's bounds, heads wholly outside
     * it left out, and one head over the whole surface when none is left.
     */
    public MonitorsConfig within(Surface primary) {
        List<Head> fitted = new ArrayList<>(heads.size());
        for (Head h : heads) {
            long left = Integer.toUnsignedLong(h.x());
            long top = Integer.toUnsignedLong(h.y());
            long right = Math.min(h.right(), primary.width());
            long bottom = Math.min(h.bottom(), primary.height());
            if (right <= left || bottom <= top) {
                continue;
            }
            fitted.add(right == h.right() && bottom == h.bottom() ? h : new Head(h.id(), h.surfaceId(),
                    (int) (right - left), (int) (bottom - top), h.x(), h.y(), h.flags()));
        }
        return fitted.isEmpty() ? single(primary, maxAllowed) : new MonitorsConfig(maxAllowed, fitted);
    }

    /** One monitor showing a whole surface, as the reference reports before the guest configures any. */
    public static MonitorsConfig single(Surface primary, int maxAllowed) {
        return new MonitorsConfig(maxAllowed, List.of(new Head(0, primary.id(), primary.width(), primary.height(),
                0, 0, 0)));
    }
}
