package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StreamRateTest {
    private static final long MS = 1_000_000L;
    private long now = 1_000_000 * MS;

    /** The multimedia time of a frame sent now. */
    private int mm() {
        return (int) (now / MS);
    }

    /** A report whose last frame is the one sent last. */
    private boolean report(StreamRate r, long drops, int delay) {
        return r.clientReport(5, drops, mm(), delay, now);
    }

    @Test
    void theStartRateIsTheLinksStreamShareSplitByPixels() {
        assertEquals(8_000_000, StreamRate.startBitRate(10_000_000L, false, 100, 100));
        assertEquals(2_000_000, StreamRate.startBitRate(10_000_000L, false, 100, 400), "a quarter of the pixels");
        assertEquals((long) (0.8 * StreamRate.DEFAULT_LOW_START), StreamRate.startBitRate(null, true, 1, 1));
        assertEquals(StreamRate.MIN_BIT_RATE, StreamRate.startBitRate(1000L, false, 1, 1));
    }

    /** Sends 25 fps frames of {@code bytes} for {@code ms}; returns how many were admitted. */
    private int play(StreamRate r, int bytes, int ms) {
        int sent = 0;
        for (int t = 0; t < ms; t += 40) {
            now += 40 * MS;
            if (r.admit(now)) {
                r.sent(bytes, mm(), now);
                sent++;
            }
        }
        return sent;
    }

    @Test
    void framesThatFitTheRateAllGoAndLargerOnesAreThinnedToIt() {
        StreamRate r = new StreamRate(8_000_000, now);
        assertEquals(50, play(r, 20_000, 2000), "4 Mbit/s at 8 Mbit/s");
        int sent = play(r, 100_000, 10_000); // 20 Mbit/s offered
        assertTrue(sent >= 95 && sent <= 110, "about 8 Mbit/s of it: " + sent + " of 250 frames");
    }

    @Test
    void dropsAndLateFramesLowerTheRateBelowWhatWasUsed() {
        StreamRate r = new StreamRate(8_000_000, now);
        play(r, 10_000, 2000); // 2 Mbit/s used
        assertFalse(report(r, 1, 100), "the first three seconds are a warm-up");
        play(r, 10_000, 1400);
        int beforeChange = mm();
        assertTrue(report(r, 1, 100));
        assertEquals((long) (8_000_000 / 2 * StreamRate.DECREASE), r.bitRate(), 20_000, "at most halved per step, then the fall");
        long before = r.bitRate();
        assertFalse(r.clientReport(5, 3, beforeChange, -500, now), "frames sent before the change say nothing");
        assertFalse(report(r, 0, -500), "nor does a report when nothing was sent since");
        play(r, 10_000, 400);
        assertTrue(report(r, 0, StreamRate.LATE_DELAY_MS - 1));
        assertTrue(r.bitRate() < before);
        assertFalse(report(r, 0, StreamRate.LATE_DELAY_MS), "on time: no change so soon");
    }

    @Test
    void aRateClimbsOnlyAfterAStableSpellInWhichTheStreamUsedIt() {
        StreamRate r = new StreamRate(2_000_000, now);
        play(r, 1_000, 3000); // 0.2 Mbit/s: far below the rate
        assertFalse(report(r, 0, 200), "a stream that does not use its rate gets no more");
        play(r, 9_000, 3000); // 1.8 Mbit/s
        assertTrue(report(r, 0, 200));
        assertEquals((long) (2_000_000 * StreamRate.INCREASE), r.bitRate());
        assertFalse(report(r, 0, 200), "not again before the next stable spell");
    }

    @Test
    void framesDroppedBeforeSendingLowerTheRateWhenMoreThanATenthOnceTheStreamFlows() {
        StreamRate r = new StreamRate(8_000_000, now);
        for (int i = 0; i < 100; i++) { // the screen before the stream still fills the link: most frames replaced
            now += 40 * MS;
            r.serverDrop(now);
            if (i % 10 == 0) {
                r.sent(10_000, mm(), now);
            }
        }
        assertEquals(8_000_000, r.bitRate(), "no report on time yet: the backlog, not the rate");
        assertFalse(report(r, 0, 300));
        for (int i = 0; i < 30; i++) {
            now += 40 * MS;
            r.sent(10_000, mm(), now);
            if (i % 3 == 0) {
                r.serverDrop(now);
            }
        }
        assertTrue(r.bitRate() < 8_000_000, "a third dropped: " + r.bitRate());
        long lowered = r.bitRate();
        for (int i = 0; i < 60; i++) {
            now += 40 * MS;
            r.sent(10_000, mm(), now);
        }
        assertEquals(lowered, r.bitRate(), "no drops: no change");
    }
}
