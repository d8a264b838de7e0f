package org.spicejava.core.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;
import org.spicejava.core.display.draw.Bitmap;

class MjpegVideoTest {
    /** A JPEG stand-in whose frames take 1000 bytes per quality point. */
    private static final class SizedByQuality implements JpegEncoder {
        int lastQuality;

        @Override
        public long maxSize(int width, int height) {
            return 100_000;
        }

        @Override
        public long encode(Bitmap b, int quality, MemorySegment dest) {
            lastQuality = quality;
            return 1000L * quality;
        }

        @Override
        public void close() {
        }
    }

    /** Offers {@code frames} frames {@code gapMs} apart and encodes every {@code encodeEvery}th; the last quality. */
    private int run(MjpegVideo v, int frames, int gapMs, int encodeEvery) {
        Bitmap frame = Bitmap.of(2, 2, new int[4], false);
        for (int i = 1; i <= frames; i++) {
            v.offered(time += gapMs);
            if (i % encodeEvery == 0) {
                v.encode(frame, time, Arena.ofAuto());
            }
        }
        return v.quality();
    }

    private int time;

    @Test
    void qualityIsTheHighestAtWhichTheRateCarriesTenFramesASecondAboveTheMiddleQuality() {
        MjpegVideo v = new MjpegVideo(new SizedByQuality(), 8_000_000); // 1 MB/s: 80 kB frames 12.5 times a second
        assertEquals(MjpegVideo.MAX_QUALITY, run(v, 30, 40, 1));
        v.bitRate(4_000_000); // 500 kB/s: above 50 fewer than 10 frames a second fit, at 50 ten do
        assertEquals(50, run(v, 30, 40, 1));
        v.bitRate(100_000_000);
        assertEquals(MjpegVideo.MAX_QUALITY, run(v, 30, 40, 1));
        assertEquals(VideoEncoder.MJPEG, v.codecType());
    }

    @Test
    void atOrBelowTheMiddleQualityFiveFramesASecondAreEnough() {
        MjpegVideo v = new MjpegVideo(new SizedByQuality(), 1_000_000); // 125 kB/s: 25 kB frames 5 times a second
        int q = run(v, 30, 40, 1);
        assertTrue(q >= MjpegVideo.MIN_QUALITY && q <= 25, "quality " + q);
        v.bitRate(100_000);
        assertEquals(MjpegVideo.MIN_QUALITY, run(v, 30, 40, 1), "below the lowest quality's size the caller skips frames");
    }

    @Test
    void theGuestsOwnRateCountsFramesThePacingSkipped() {
        // 25 frames a second offered, every third encoded: the floor stays 10 a second, so 4 Mbit/s gives 50, as
        // when all are encoded (counting only the encoded 8.3 a second would allow 60).
        MjpegVideo v = new MjpegVideo(new SizedByQuality(), 4_000_000);
        assertEquals(50, run(v, 90, 40, 3));
    }

    @Test
    void aGuestDrawingSlowerThanTheFloorGetsTheQualityItsOwnRateAllows() {
        // 5 frames a second at 2 Mbit/s: 50 kB a frame fits, whatever the quality's floor.
        MjpegVideo v = new MjpegVideo(new SizedByQuality(), 2_000_000);
        int q = run(v, 40, 200, 1);
        assertTrue(q >= 45 && q <= 50, "quality " + q);
    }

    @Test
    void aClockThatWentBackDoesNotFreezeTheGuestsRate() {
        MjpegVideo v = new MjpegVideo(new SizedByQuality(), 1_000_000);
        run(v, 30, 40, 1); // 25 frames a second at 125 kB/s: about 25
        time -= 60_000; // a new clock (the VM moved): the next gaps must count again
        int q = run(v, 40, 500, 1); // 2 frames a second: 62 kB a frame fits
        assertTrue(q >= 50 && q <= 60, "quality " + q);
    }
}
