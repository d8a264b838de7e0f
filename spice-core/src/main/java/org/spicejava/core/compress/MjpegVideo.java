package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import org.spicejava.core.display.draw.Bitmap;

/**
 * MJPEG streams: every frame a JPEG, at the highest quality (20 to 80, the reference MJPEG encoder's range) at
 * which the bit rate still carries a watchable frame rate, the reference's choice: at least 10 frames a second
 * above the middle quality (50) and 5 at or below it, or the guest's own rate when that is lower. Frames that do not
 * fit the rate are skipped by the caller's pacing, so a slow link gets fewer frames at the same quality rather than
 * a blurrier picture at every frame. The quality steps down quickly when frames come out too large for that and up
 * slowly when the next quality would still fit.
 */
public final class MjpegVideo implements VideoEncoder {
    static final int MIN_QUALITY = 20;
    static final int MAX_QUALITY = 80;
    static final int START_QUALITY = 70;
    /** MJPEG_IMPROVE_QUALITY_FPS_STRICT_TH and _PERMISSIVE_TH, and the quality that divides them. */
    static final double HIGH_QUALITY_MIN_FPS = 10;
    static final double LOW_QUALITY_MIN_FPS = 5;
    static final int MIDDLE_QUALITY = 50;
    /** The guest's frame rate assumed before two frames have been seen, and never exceeded. */
    static final double START_FPS = 25;
    static final double MAX_FPS = 30;
    private static final int STEP_UP = 5;

    private final JpegEncoder jpeg;
    private long bitRate;
    private int quality = START_QUALITY;
    private double sourceFps = START_FPS;
    private int lastOffered;
    private boolean first = true;

    public MjpegVideo(JpegEncoder jpeg, long bitsPerSecond) {
        this.jpeg = jpeg;
        this.bitRate = bitsPerSecond;
    }

    /** Frames of this codec over a display worker's JPEG encoder (which it does not close: the worker owns it). */
    public static Factory over(java.util.function.Supplier<JpegEncoder> jpeg) {
        return new Factory() {
            @Override
            public int codecType() {
                return MJPEG;
            }

            @Override
            public VideoEncoder open(long bitsPerSecond) {
                JpegEncoder encoder = jpeg.get();
                return encoder == null ? null : new MjpegVideo(encoder, bitsPerSecond);
            }
        };
    }

    @Override
    public int codecType() {
        return MJPEG;
    }

    /** The quality the next frame gets (tests). */
    int quality() {
        return quality;
    }

    @Override
    public void offered(int mmTime) {
        int gap = mmTime - lastOffered;
        if (!first && gap == 0) {
            return; // this frame was counted already (offered, then encoded)
        }
        if (!first && gap > 0 && gap < 2000) {
            sourceFps = 0.8 * sourceFps + 0.2 * Math.min(MAX_FPS, 1000.0 / gap);
        }
        first = false;
        lastOffered = mmTime; // also after a clock that went back, which must not freeze the estimate
    }

    @Override
    public MemorySegment encode(Bitmap frame, int mmTime, SegmentAllocator alloc) {
        offered(mmTime);
        MemorySegment out = jpeg.encode(frame, quality, alloc);
        if (out != null) {
            adapt(out.byteSize());
        }
        return out;
    }

    private void adapt(long size) {
        if (size > 1.15 * budget(quality)) {
            quality = Math.max(MIN_QUALITY, quality - (size > 2 * budget(quality) ? 20 : 10));
        } else if (quality < MAX_QUALITY && size < 0.85 * budget(quality + STEP_UP)) {
            quality = Math.min(MAX_QUALITY, quality + STEP_UP);
        }
    }

    /** The bytes a frame of quality {@code q} may take: the bit rate over the lowest frame rate allowed at q. */
    private double budget(int q) {
        double floor = q > MIDDLE_QUALITY ? HIGH_QUALITY_MIN_FPS : LOW_QUALITY_MIN_FPS;
        return bitRate / 8.0 / Math.max(1, Math.min(sourceFps, floor));
    }

    @Override
    public void bitRate(long bitsPerSecond) {
        bitRate = bitsPerSecond;
    }

    @Override
    public void close() {
        // the JPEG encoder belongs to the display worker
    }
}
