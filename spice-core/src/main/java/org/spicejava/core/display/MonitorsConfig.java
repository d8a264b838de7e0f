package org.spicejava.core.display;

import java.util.List;

/** QXLMonitorsConfig / the wire MONITORS_CONFIG: which part of which surface each monitor shows. */
public record MonitorsConfig(int maxAllowed, List<Head> heads) {
    /** Heads we accept from a guest (the reference's MAX_MONITORS_COUNT is 16; leave room). */
    public static final int MAX_HEADS = 64;

    public record Head(int id, int surfaceId, int width, int height, int x, int y, int flags) {
    }

    /** At most {@code max} heads, and no more allowed than that. */
    public MonitorsConfig limitedTo(int max) {
        return heads.size() <= max && maxAllowed <= max ? this
                : new MonitorsConfig(Math.min(maxAllowed, max), heads.subList(0, Math.min(heads.size(), max)));
    }

    /** One monitor showing a whole surface, as the reference reports before the guest configures any. */
    public static MonitorsConfig single(Surface primary, int maxAllowed) {
        return new MonitorsConfig(maxAllowed, List.of(new Head(0, primary.id(), primary.width(), primary.height(),
                0, 0, 0)));
    }
}
