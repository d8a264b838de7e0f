package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import org.spicejava.core.display.draw.Bitmap;

/**
 * MJPEG streams: every frame a JPEG, its quality chosen so a frame fits the bit rate at the rate frames come. The
 * quality steps down quickly when frames come out too large and up slowly when they are well under budget, within
 * 20 to 80, the reference MJPEG encoder's range; below the lowest
 * quality the caller's pacing skips frames instead.
 */
public final class MjpegVideo implements VideoEncoder {
    static final int MIN_QUALITY = 20;
    static final int MAX_QUALITY = 80;
    static final int START_QUALITY = 70;
    /** Frame rates assumed before two frames have been seen, and never exceeded in the budget. */
    static final double START_FPS = 25;
    static final double MAX_FPS = 30;

    private final JpegEncoder jpeg;
    private long bitRate;
    private int quality = START_QUALITY;
    private double fps = START_FPS;
    private int lastTime;
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
    public MemorySegment encode(Bitmap frame, int mmTime, SegmentAllocator alloc) {
        if (!first) {
            int gap = mmTime - lastTime;
            if (gap > 0 && gap < 2000) {
                fps = 0.8 * fps + 0.2 * Math.min(MAX_FPS, 1000.0 / gap);
            }
        }
        first = false;
        lastTime = mmTime;
        MemorySegment out = jpeg.encode(frame, quality, alloc);
        if (out != null) {
            adapt(out.byteSize());
        }
        return out;
    }

    private void adapt(long size) {
        double budget = bitRate / 8.0 / Math.max(1, Math.min(fps, MAX_FPS));
        if (size > 1.15 * budget) {
            quality = Math.max(MIN_QUALITY, quality - (size > 2 * budget ? 20 : 10));
        } else if (size < 0.7 * budget) {
            quality = Math.min(MAX_QUALITY, quality + 5);
        }
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
