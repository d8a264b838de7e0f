package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.spicejava.core.compress.I420;
import org.spicejava.core.compress.VideoEncoder;
import org.spicejava.core.display.draw.Bitmap;

/**
 * The libvpx encoders: what they make decodes, through libvpx's own decoder, to the I420 picture they were given
 * (luma PSNR), starts with a key frame, follows the bit rate it is told, survives a size change to odd sizes; a
 * missing library gives no encoder. Prints the encode time per 640x400 frame.
 */
class LibVpxTest {
    /** A moving picture: 30 frames a second (multimedia time in ms), the content panning a few pixels a frame. */
    private static final int FRAME_MS = 33;
    private static final int DX = 3;
    private static final int DY = 1;
    private static final long RATE = 2_000_000;
    private static final double MIN_PSNR = 30;
    /** The sensor noise's standard deviation, in 8-bit steps. */
    private static final double NOISE = 2.5;

    private static LibVpx factory(int codecType) {
        return codecType == VideoEncoder.VP9 ? LibVpx.vp9() : LibVpx.vp8();
    }

    /**
     * Frame {@code n} of a photo-like sequence: smooth gradients and shapes with a fine texture, fixed to the
     * content, seen through a {@code width} x {@code height} window that moves {@link #DX}, {@link #DY} pixels a
     * frame, plus sensor noise of its own (what a camera gives, and what keeps the encoder busy at 2 Mbit/s).
     */
    static Bitmap frame(Arena arena, int width, int height, int n) {
        MemorySegment px = arena.allocate(4L * width * height, 64);
        Random sensor = new Random(n);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                px.setAtIndex(ValueLayout.JAVA_INT, (long) y * width + x,
                        scene(x + DX * n, y + DY * n, sensor.nextGaussian() * NOISE));
            }
        }
        return new Bitmap(width, height, px, false);
    }

    /** The scene's pixel at (x, y) with {@code noise} added. */
    private static int scene(int x, int y, double noise) {
        long h = (x * 0x9E3779B1L) ^ (y * 0x85EBCA77L);
        h ^= h >>> 15;
        h *= 0xC2B2AE3DL;
        h ^= h >>> 13;
        double texture = ((h & 0xFF) - 127.5) / 127.5 * 6;
        double dx = x - 250;
        double dy = y - 120;
        int r = clamp(128 + 100 * Math.sin(x / 37.0) * Math.cos(y / 53.0) + texture + noise);
        int g = clamp(40 + 180.0 * ((y % 400) / 400.0) + texture + noise);
        int b = clamp((dx * dx + dy * dy < 70 * 70 ? 220 : 60 + (x % 90)) + texture + noise);
        return 0xFF << 24 | r << 16 | g << 8 | b;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** The luma {@link I420} makes of {@code b}: what the encoder was given. */
    static byte[] luma(Bitmap b) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment yuv = arena.allocate(I420.size(b.width(), b.height()));
            I420.convert(b, yuv);
            return yuv.asSlice(0, (long) b.width() * b.height()).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    static double psnr(byte[] a, byte[] b) {
        assertEquals(a.length, b.length);
        double sse = 0;
        for (int i = 0; i < a.length; i++) {
            int d = (a[i] & 0xFF) - (b[i] & 0xFF);
            sse += d * d;
        }
        return sse == 0 ? 99 : 10 * Math.log10(255.0 * 255.0 * a.length / sse);
    }

    /** What each frame of a run gave: its size, whether it is a key frame, its luma PSNR after decoding. */
    record Result(int width, int height, long bytes, boolean key, double psnr) {
    }

    /**
     * Encodes frames {@code first} to {@code first + count - 1} at {@code width} x {@code height} and decodes each
     * at once with {@code decoder}.
     */
    static List<Result> run(VideoEncoder encoder, VpxDecoder decoder, int width, int height, int first, int count)
            throws Throwable {
        List<Result> results = new ArrayList<>();
        for (int n = first; n < first + count; n++) {
            try (Arena arena = Arena.ofConfined()) {
                Bitmap b = frame(arena, width, height, n);
                MemorySegment out = encoder.encode(b, 1000 + n * FRAME_MS, arena);
                assertNotNull(out, "frame " + n + " was encoded");
                VpxDecoder.Picture picture = decoder.decode(out);
                assertEquals(width, picture.width(), "frame " + n);
                assertEquals(height, picture.height(), "frame " + n);
                results.add(new Result(width, height, out.byteSize(),
                        VpxDecoder.isKeyFrame(encoder.codecType(), out), psnr(luma(b), picture.luma())));
            }
        }
        return results;
    }

    @ParameterizedTest
    @ValueSource(ints = {VideoEncoder.VP8, VideoEncoder.VP9})
    void aMovingPictureDecodesCloseToItsInputFromAKeyFrameOn(int codecType) throws Throwable {
        assertEquals(codecType, factory(codecType).codecType());
        try (VideoEncoder encoder = factory(codecType).open(RATE); VpxDecoder decoder = new VpxDecoder(codecType)) {
            assertNotNull(encoder);
            assertEquals(codecType, encoder.codecType());
            List<Result> results = run(encoder, decoder, 320, 240, 0, 30);
            assertTrue(results.getFirst().key(), "the first frame is a key frame");
            assertFalse(results.get(1).key(), "the second frame is not");
            double worst = results.stream().mapToDouble(Result::psnr).min().orElseThrow();
            double bytes = results.stream().mapToLong(Result::bytes).average().orElseThrow();
            System.out.printf(Locale.ROOT, "%s 320x240 at %d kbit/s: %.0f bytes a frame (%.0f kbit/s), luma PSNR "
                    + "%.1f dB at worst, first frame %d bytes%n", label(codecType), RATE / 1000, bytes,
                    bytes * 8 * 1000 / FRAME_MS / 1000, worst, results.getFirst().bytes());
            for (int i = 0; i < results.size(); i++) {
                assertTrue(results.get(i).psnr() >= MIN_PSNR, "frame " + i + ": " + results.get(i));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {VideoEncoder.VP8, VideoEncoder.VP9})
    void aLowerBitRateMakesSmallerFrames(int codecType) throws Throwable {
        try (VideoEncoder encoder = factory(codecType).open(RATE); VpxDecoder decoder = new VpxDecoder(codecType)) {
            List<Result> high = run(encoder, decoder, 320, 240, 0, 60);
            encoder.bitRate(RATE / 10);
            List<Result> low = run(encoder, decoder, 320, 240, 60, 60);
            // The last 30 of each: rate control has settled.
            double highBytes = high.subList(30, 60).stream().mapToLong(Result::bytes).average().orElseThrow();
            double lowBytes = low.subList(30, 60).stream().mapToLong(Result::bytes).average().orElseThrow();
            System.out.printf(Locale.ROOT, "%s at %d then %d kbit/s: %.0f then %.0f bytes a frame (%.0f then %.0f "
                    + "kbit/s), PSNR %.1f then %.1f dB%n", label(codecType), RATE / 1000, RATE / 10_000, highBytes,
                    lowBytes, highBytes * 8 / FRAME_MS, lowBytes * 8 / FRAME_MS,
                    high.subList(30, 60).stream().mapToDouble(Result::psnr).average().orElseThrow(),
                    low.subList(30, 60).stream().mapToDouble(Result::psnr).average().orElseThrow());
            assertTrue(lowBytes < highBytes / 3, highBytes + " then " + lowBytes + " bytes a frame");
            // CBR: near the rate asked for, here within a factor of two.
            double lowRate = lowBytes * 8 * 1000 / FRAME_MS;
            assertTrue(lowRate < 2 * RATE / 10, lowRate + " bit/s");
            assertTrue(low.stream().noneMatch(Result::key), "a new rate needs no key frame");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {VideoEncoder.VP8, VideoEncoder.VP9})
    void aSizeChangeStartsAgainWithAKeyFrameAndOddSizesWork(int codecType) throws Throwable {
        try (VideoEncoder encoder = factory(codecType).open(RATE); VpxDecoder decoder = new VpxDecoder(codecType)) {
            List<Result> results = new ArrayList<>(run(encoder, decoder, 320, 240, 0, 10));
            results.addAll(run(encoder, decoder, 161, 121, 10, 10));
            results.addAll(run(encoder, decoder, 1, 1, 20, 3));
            results.addAll(run(encoder, decoder, 320, 240, 23, 10));
            for (int i : new int[] {0, 10, 20, 23}) {
                assertTrue(results.get(i).key(), "frame " + i + " after a size change is a key frame");
                assertFalse(results.get(i + 1).key(), "frame " + (i + 1) + " is not");
            }
            for (int i = 0; i < results.size(); i++) {
                assertTrue(results.get(i).psnr() >= MIN_PSNR, "frame " + i + ": " + results.get(i));
            }
        }
    }

    @Test
    void heapPixelsAndOddTimesAreAccepted() throws Throwable {
        try (VideoEncoder encoder = LibVpx.vp8().open(RATE); VpxDecoder decoder = new VpxDecoder(VideoEncoder.VP8);
             Arena arena = Arena.ofConfined()) {
            int[] pixels = frame(arena, 33, 17, 0).toArray();
            Bitmap heap = Bitmap.of(33, 17, pixels, false);
            // The same time twice, time going back, a long pause: all encode.
            for (int mmTime : new int[] {5000, 5000, 4000, 60_000, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
                MemorySegment out = encoder.encode(heap, mmTime, arena);
                assertNotNull(out, "at " + mmTime);
                assertTrue(psnr(luma(heap), decoder.decode(out).luma()) >= MIN_PSNR);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {VideoEncoder.VP8, VideoEncoder.VP9})
    void aFrameTooLargeIsRefusedAndTheStreamGoesOn(int codecType) throws Throwable {
        try (VideoEncoder encoder = factory(codecType).open(RATE); VpxDecoder decoder = new VpxDecoder(codecType);
             Arena arena = Arena.ofConfined()) {
            List<Result> before = run(encoder, decoder, 64, 48, 0, 2);
            Bitmap wide = frame(arena, LibVpx.MAX_SIDE + 1, 1, 0);
            assertNull(encoder.encode(wide, 5000, arena));
            assertNull(encoder.encode(wide, 5033, arena), "and again (logged at debug only)");
            List<Result> after = run(encoder, decoder, 64, 48, 2, 2);
            assertTrue(before.getFirst().key());
            assertTrue(after.stream().allMatch(r -> r.psnr() >= MIN_PSNR), after.toString());
        }
    }

    @Test
    void closedEncodersRefuseFrames() {
        VideoEncoder encoder = LibVpx.vp9().open(RATE);
        assertNotNull(encoder);
        encoder.close();
        encoder.close();
        try (Arena arena = Arena.ofConfined()) {
            Bitmap b = frame(arena, 16, 16, 0);
            assertThrows(IllegalStateException.class, () -> encoder.encode(b, 0, arena));
        }
    }

    @Test
    void aMissingLibraryGivesNoEncoder() {
        for (int codecType : new int[] {VideoEncoder.VP8, VideoEncoder.VP9}) {
            LibVpx missing = new LibVpx("libvpx-missing.so.7", codecType);
            assertEquals(codecType, missing.codecType());
            assertNull(missing.open(RATE));
            assertNull(missing.open(RATE), "and again, without trying to load it");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {VideoEncoder.VP8, VideoEncoder.VP9})
    void encodeTimeAt640x400(int codecType) {
        int warmup = 20;
        int measured = 60;
        long rate = 4_000_000;
        try (VideoEncoder encoder = factory(codecType).open(rate); Arena arena = Arena.ofConfined()) {
            List<Bitmap> frames = new ArrayList<>();
            for (int n = 0; n < 30; n++) {
                frames.add(frame(arena, 640, 400, n));
            }
            long bytes = 0;
            long nanos = 0;
            for (int n = 0; n < warmup + measured; n++) {
                try (Arena out = Arena.ofConfined()) {
                    long start = System.nanoTime();
                    MemorySegment frame = encoder.encode(frames.get(n % frames.size()), n * FRAME_MS, out);
                    long took = System.nanoTime() - start;
                    assertNotNull(frame);
                    if (n >= warmup) {
                        nanos += took;
                        bytes += frame.byteSize();
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%s 640x400 at %d kbit/s, %d threads at most: %.2f ms a frame "
                    + "(I420 conversion included), %d bytes a frame%n", label(codecType), rate / 1000,
                    LibVpx.MAX_THREADS, nanos / 1e6 / measured, bytes / measured);
        }
    }

    private static String label(int codecType) {
        return codecType == VideoEncoder.VP9 ? "VP9" : "VP8";
    }

    @Test
    void oneRandomSizedPictureAfterAnother() throws Throwable {
        // Sizes changing every frame, as sized streams may do: every frame is a key frame and decodes.
        Random random = new Random(7);
        for (int codecType : new int[] {VideoEncoder.VP8, VideoEncoder.VP9}) {
            try (VideoEncoder encoder = factory(codecType).open(RATE);
                 VpxDecoder decoder = new VpxDecoder(codecType)) {
                for (int n = 0; n < 6; n++) {
                    int w = 1 + random.nextInt(200);
                    int h = 1 + random.nextInt(200);
                    List<Result> results = run(encoder, decoder, w, h, n, 1);
                    assertTrue(results.getFirst().key(), w + "x" + h);
                }
            }
        }
    }
}
