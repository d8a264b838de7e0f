package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.spicejava.core.compress.VideoEncoder;
import org.spicejava.core.display.draw.Bitmap;

class StreamAgentTest {
    private static final long SECOND = 1_000_000_000L;

    /** Frames of 100 bytes. */
    private static final class TinyVideo implements VideoEncoder {
        @Override
        public int codecType() {
            return MJPEG;
        }

        @Override
        public MemorySegment encode(Bitmap frame, int mmTime, SegmentAllocator alloc) {
            return alloc.allocate(100);
        }

        @Override
        public void bitRate(long bitsPerSecond) {
        }

        @Override
        public void close() {
        }
    }

    private final List<Integer> asked = new ArrayList<>();
    private final StreamAgent agent = new StreamAgent(1, 7, new TinyVideo(), new StreamRate(10_000_000, 0),
            asked::add);
    private final Bitmap frame = Bitmap.of(2, 2, new int[4], false);

    private void sendFrames(int fromMmTime, int toMmTime, long now) {
        for (int t = fromMmTime; t <= toMmTime; t += 40) {
            agent.encode(frame, t, Arena.ofAuto(), now, () -> 0);
        }
    }

    @Test
    void aLateStartAsksForItsLatenessOnceForTheFramesAlreadyOnTheirWay() {
        sendFrames(1000, 2000, SECOND);
        agent.report(5, 5, 1400, -900, 2 * SECOND);
        assertEquals(List.of(900 + StreamAgent.LATENCY_MARGIN_MS), asked);
        agent.report(5, 5, 1800, -700, 2 * SECOND); // stamped before the request: the old clock's lateness
        assertEquals(1, asked.size());
        sendFrames(2040, 2400, 3 * SECOND);
        agent.report(5, 1, 2200, -50, 4 * SECOND); // stamped after it, and still late: more
        assertEquals(List.of(1000, 150), asked);
    }

    @Test
    void onceFramesArriveOnTimeLatenessIsTheRatesBusiness() {
        sendFrames(1000, 2000, SECOND);
        agent.report(5, 0, 1400, 20, 2 * SECOND);
        sendFrames(2040, 3000, 5 * SECOND);
        agent.report(5, 3, 2900, -400, 6 * SECOND);
        assertEquals(List.of(), asked);
    }

    @Test
    void aFrameWaitsForNoMoreThanAFewFramesWorthOfUnsentBytes() {
        long limit = 10_000_000 / 8 * StreamAgent.MAX_BACKLOG_MS / 1000; // at the agent's 10 Mbit/s
        assertEquals(StreamAgent.Outcome.SKIPPED,
                agent.encode(frame, 1000, Arena.ofAuto(), SECOND, () -> limit + 1).outcome());
        assertEquals(StreamAgent.Outcome.SENT, agent.encode(frame, 1040, Arena.ofAuto(), SECOND, () -> limit).outcome());
        assertEquals(1, agent.skipped());
        assertEquals(1, agent.frames());
    }
}
