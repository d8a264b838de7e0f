package org.spicejava.core.display;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * QXLMonitorsConfig / the wire MONITORS_CONFIG: which part of which surface each monitor shows. A guest's config is
 * checked once when it arrives ({@link Guest#check}) and fitted to the primary surface whenever it is sent
 * ({@link #within}), since the primary may change after the guest described its heads.
 */
public record MonitorsConfig(int maxAllowed, List<Head> heads) {
    /** Heads we accept from a guest (the reference's MAX_MONITORS_COUNT is 16; leave room). */
    public static final int MAX_HEADS = 64;
    /** Farthest a head may reach (x + width, y + height): no surface is larger (QxlReader.MAX_IMAGE_SIDE). */
    static final long MAX_EXTENT = QxlReader.MAX_IMAGE_SIDE;

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

        boolean disabled() {
            return width == 0 || height == 0;
        }

        boolean overlaps(Head o) {
            return Integer.toUnsignedLong(x) < o.right() && Integer.toUnsignedLong(o.x) < right()
                    && Integer.toUnsignedLong(y) < o.bottom() && Integer.toUnsignedLong(o.y) < bottom();
        }

        String geometry() {
            return Integer.toUnsignedString(width) + "x" + Integer.toUnsignedString(height) + "+"
                    + Integer.toUnsignedString(x) + "+" + Integer.toUnsignedString(y);
        }
    }

    /**
     * A QXLMonitorsConfig as the guest wrote it: its count and max_allowed, and its first heads (at most
     * {@link #MAX_HEADS}; the guest's memory holds all {@code count}).
     */
    public record Guest(int count, int maxAllowed, List<Head> heads) {
        public Guest {
            heads = List.copyOf(heads);
        }

        /**
         * What clients may be told of this config on a device of {@code deviceMax} monitors, and the one line that
         * says what was refused or changed (null when nothing was). Refused (config null) as the reference refuses:
         * no heads, or more heads than its own max_allowed; and when no usable head is left. Changed: heads past
         * the device's maximum and max_allowed above it are cut to it (the reference's MIN(count, max_monitors));
         * disabled heads (zero width or height) are left out, as the reference leaves them out of the message; heads
         * reaching past {@link #MAX_EXTENT} and heads repeating an earlier head's id are left out. Overlapping heads
         * are kept (mirrored outputs overlap), and named in the line.
         */
        public Checked check(int deviceMax) {
            if (count == 0) {
                return Checked.refused("no heads");
            }
            if (count > maxAllowed) {
                return Checked.refused(count + " heads, more than its own max_allowed " + maxAllowed);
            }
            List<String> notes = new ArrayList<>();
            boolean bad = false;
            int kept = Math.min(Math.min(count, deviceMax), heads.size());
            if (count > deviceMax) {
                notes.add(count + " heads, the device allows " + deviceMax + ": heads past " + deviceMax + " dropped");
                bad = true;
            }
            List<Head> usable = new ArrayList<>();
            Set<Integer> ids = new HashSet<>();
            for (Head h : heads.subList(0, kept)) {
                if (h.disabled()) {
                    notes.add("head " + Integer.toUnsignedString(h.id()) + " is disabled (" + h.geometry()
                            + "): not announced");
                } else if (h.right() > MAX_EXTENT || h.bottom() > MAX_EXTENT) {
                    notes.add("head " + Integer.toUnsignedString(h.id()) + " " + h.geometry() + " reaches past "
                            + MAX_EXTENT + ": dropped");
                    bad = true;
                } else if (!ids.add(h.id())) {
                    notes.add("head id " + Integer.toUnsignedString(h.id()) + " repeated: the repeat dropped");
                    bad = true;
                } else {
                    usable.add(h);
                }
            }
            for (int i = 0; i < usable.size(); i++) {
                for (int j = i + 1; j < usable.size(); j++) {
                    if (usable.get(i).overlaps(usable.get(j))) {
                        notes.add("heads " + Integer.toUnsignedString(usable.get(i).id()) + " and "
                                + Integer.toUnsignedString(usable.get(j).id()) + " overlap (kept: mirrored outputs do)");
                    }
                }
            }
            if (usable.isEmpty()) {
                notes.add("no usable head left");
                return new Checked(null, String.join("; ", notes), true);
            }
            return new Checked(new MonitorsConfig(Math.min(maxAllowed, deviceMax), usable),
                    notes.isEmpty() ? null : String.join("; ", notes), bad);
        }
    }

    /** A checked guest config (null: refused) and what the check did to it (null: nothing); bad: not just benign. */
    public record Checked(MonitorsConfig config, String note, boolean bad) {
        static Checked refused(String why) {
            return new Checked(null, why, true);
        }
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
