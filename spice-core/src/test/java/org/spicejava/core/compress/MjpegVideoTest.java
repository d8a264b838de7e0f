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

    private static int run(MjpegVideo v, int frames) {
        Bitmap frame = Bitmap.of(2, 2, new int[4], false);
        int time = 0;
        for (int i = 0; i < frames; i++) {
            time += 40;
            v.encode(frame, time, Arena.ofAuto());
        }
        return v.quality();
    }

    @Test
    void qualityFollowsTheBudgetOfAFramePerBitRate() {
        SizedByQuality jpeg = new SizedByQuality();
        MjpegVideo v = new MjpegVideo(jpeg, 8_000_000); // 40 kB a frame at 25 fps: quality 40 fits
        int q = run(v, 30);
        assertTrue(q >= 30 && q <= 45, "quality " + q);
        v.bitRate(100_000_000);
        assertEquals(MjpegVideo.MAX_QUALITY, run(v, 30));
        v.bitRate(1_000_000);
        assertEquals(MjpegVideo.MIN_QUALITY, run(v, 30), "below the lowest quality's size the caller skips frames");
        assertEquals(VideoEncoder.MJPEG, v.codecType());
    }
}
