package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.spicejava.core.display.MonitorsConfig.Head;

/**
 * What a guest's monitors config becomes before clients hear of it: refused where the reference refuses it, cut to
 * the device's heads as the reference cuts it, and the heads no client can show (disabled, huge, repeated) left out,
 * each time with one line that says so; and how a kept config is fitted to the primary surface it is sent with.
 */
class MonitorsConfigTest {
    private static Head head(int id, int width, int height, int x, int y) {
        return new Head(id, 0, width, height, x, y, 0);
    }

    private static MonitorsConfig.Guest guest(int maxAllowed, Head... heads) {
        return new MonitorsConfig.Guest(heads.length, maxAllowed, List.of(heads));
    }

    @Test
    void twoSideBySideHeadsPassUnchanged() {
        MonitorsConfig.Checked c = guest(4, head(0, 1024, 768, 0, 0), head(1, 800, 600, 1024, 0)).check(2);
        assertEquals(new MonitorsConfig(2, List.of(head(0, 1024, 768, 0, 0), head(1, 800, 600, 1024, 0))),
                c.config(), "max_allowed is cut to the device's 2, as the reference's MIN(max_allowed, max_monitors)");
        assertNull(c.note(), "nothing to say about a good config");
    }

    @Test
    void noHeadsOrMoreHeadsThanItsOwnMaxAllowedAreRefusedAsTheReferenceRefusesThem() {
        MonitorsConfig.Checked empty = new MonitorsConfig.Guest(0, 4, List.of()).check(4);
        assertNull(empty.config());
        assertTrue(empty.bad() && empty.note().contains("no heads"), empty.note());
        MonitorsConfig.Checked over = guest(1, head(0, 640, 480, 0, 0), head(1, 640, 480, 640, 0)).check(4);
        assertNull(over.config());
        assertTrue(over.note().contains("max_allowed 1"), over.note());
    }

    @Test
    void headsPastTheDevicesMaximumAreDroppedWithOneLine() {
        MonitorsConfig.Checked c = guest(8, head(0, 640, 480, 0, 0), head(1, 640, 480, 640, 0),
                head(2, 640, 480, 1280, 0)).check(1);
        assertEquals(List.of(head(0, 640, 480, 0, 0)), c.config().heads());
        assertEquals(1, c.config().maxAllowed());
        assertTrue(c.bad(), "more heads than the device has is a guest error");
        assertEquals("3 heads, the device allows 1: heads past 1 dropped", c.note());
    }

    @Test
    void disabledHeadsAreNotAnnouncedAndSaySoWithoutAWarning() {
        MonitorsConfig.Checked c = guest(4, head(0, 1024, 768, 0, 0), head(1, 0, 0, 0, 0),
                head(2, 800, 0, 1024, 0), head(3, 640, 480, 1024, 0)).check(4);
        assertEquals(List.of(head(0, 1024, 768, 0, 0), head(3, 640, 480, 1024, 0)), c.config().heads());
        assertFalse(c.bad(), "Linux's qxl driver sends a switched-off head in the middle as 0x0");
        assertTrue(c.note().contains("head 1 is disabled") && c.note().contains("head 2 is disabled"), c.note());
    }

    @Test
    void hugeHeadsAreDroppedWhateverTheirUnsignedFieldsAddUpTo() {
        MonitorsConfig.Checked c = guest(8, head(0, 1024, 768, 0, 0), head(1, -1, 768, 0, 0),
                head(2, 1024, 768, -1024, 0), head(3, 16384, 1, 1, 0), head(4, 1, 16385, 0, 0),
                head(5, 16384, 16384, 0, 0)).check(8);
        assertEquals(List.of(head(0, 1024, 768, 0, 0), head(5, 16384, 16384, 0, 0)), c.config().heads(),
                "a head may reach the largest surface side (16384), not past it; u32 values are not negative");
        assertTrue(c.bad());
        assertTrue(c.note().contains("head 1 4294967295x768+0+0 reaches past 16384"), c.note());
        assertTrue(c.note().contains("head 2 1024x768+4294966272+0 reaches past 16384"), c.note());
    }

    @Test
    void aRepeatedIdKeepsTheFirstHead() {
        MonitorsConfig.Checked c = guest(4, head(7, 640, 480, 0, 0), head(7, 800, 600, 640, 0)).check(4);
        assertEquals(List.of(head(7, 640, 480, 0, 0)), c.config().heads());
        assertTrue(c.bad() && c.note().contains("head id 7 repeated"), c.note());
    }

    @Test
    void overlappingHeadsAreKeptForMirroredOutputsAndNamedInTheLine() {
        MonitorsConfig.Checked c = guest(4, head(0, 1024, 768, 0, 0), head(1, 1024, 768, 0, 0),
                head(2, 800, 600, 1000, 700), head(3, 10, 10, 1024, 0)).check(4);
        assertEquals(4, c.config().heads().size(), "a mirrored pair is a legitimate layout");
        assertFalse(c.bad());
        assertEquals("heads 0 and 1 overlap (kept: mirrored outputs do); heads 0 and 2 overlap (kept: mirrored"
                + " outputs do); heads 1 and 2 overlap (kept: mirrored outputs do)", c.note(),
                "touching edges (head 3 at x 1024) are no overlap");
    }

    @Test
    void aConfigWithNoUsableHeadIsRefused() {
        MonitorsConfig.Checked c = guest(4, head(0, 0, 0, 0, 0), head(1, -1, -1, 0, 0)).check(4);
        assertNull(c.config());
        assertTrue(c.bad() && c.note().endsWith("no usable head left"), c.note());
    }

    @Test
    void headsAreFittedToThePrimaryTheyAreSentWith() {
        try (Arena arena = Arena.ofConfined()) {
            Surface primary = new Surface(0, 1664, 768, Surface.FMT_32_XRGB, 4 * 1664, arena.allocate(4L * 1664 * 768),
                    true);
            MonitorsConfig config = new MonitorsConfig(2, List.of(head(0, 1024, 768, 0, 0), head(1, 800, 600, 1024, 0),
                    head(2, 640, 480, 2000, 0)));
            assertEquals(new MonitorsConfig(2, List.of(head(0, 1024, 768, 0, 0), head(1, 640, 600, 1024, 0))),
                    config.within(primary), "head 1 cut at the surface's right edge, head 2 wholly outside it");
            MonitorsConfig outside = new MonitorsConfig(2, List.of(head(3, 640, 480, 1664, 0)));
            assertEquals(MonitorsConfig.single(primary, 2), outside.within(primary),
                    "nothing left on the surface: one head over all of it");
            MonitorsConfig fits = new MonitorsConfig(2, List.of(head(0, 1024, 768, 0, 0)));
            assertTrue(fits == fits.within(primary) || fits.equals(fits.within(primary)));
        }
    }
}
