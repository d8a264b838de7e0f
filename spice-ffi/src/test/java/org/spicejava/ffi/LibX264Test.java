package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.spicejava.core.compress.I420;
import org.spicejava.core.compress.VideoEncoder;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.ffi.layout.X264Param;

/**
 * The libx264 binding: a moving photo-like sequence decodes back (with FFmpeg's H.264 decoder, the one behind
 * spice-gtk's avdec_h264) above 30 dB luma PSNR frame by frame, one access unit per frame, each decodable as soon as
 * it is sent; the stream is an Annex-B Constrained Baseline stream set up as the reference's x264enc; a lower bit
 * rate gives smaller frames; a size change (to an odd size) starts over with a key frame; a missing library gives no
 * encoder; and the encode time of a 640x400 frame is printed.
 */
class LibX264Test {
    private static final int RATE = 2_000_000;
    private static final int FRAME_MS = 33;

    /**
     * A photo-like scene larger than any frame: smooth gradients, shapes and texture noise. Frames are windows on
     * it that move a few pixels a frame, plus sensor noise of their own (as a camera's video), which no motion
     * search can predict: at 2 Mbit/s the rate control, not the minimum quantizer, sets the frame size.
     */
    private static final class Scene {
        /** The standard deviation of each frame's own noise, per colour channel. */
        static final double SENSOR_NOISE = 2.5;
        final int width;
        final int height;
        final int[] pixels;
        final long seed;

        Scene(int width, int height, long seed) {
            this.width = width;
            this.height = height;
            this.pixels = new int[width * height];
            this.seed = seed;
            Random random = new Random(seed);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double dx = x - width * 0.6;
                    double dy = y - height * 0.4;
                    int r = clamp(128 + 100 * Math.sin(x / 37.0) * Math.cos(y / 53.0) + random.nextGaussian() * 3);
                    int g = clamp(255 * y / (double) height + random.nextGaussian() * 3);
                    int b = clamp(dx * dx + dy * dy < 90 * 90 ? 230 + random.nextGaussian() * 3 : 60 + x % 40);
                    pixels[y * width + x] = 0xFF << 24 | r << 16 | g << 8 | b;
                }
            }
        }

        /** Frame {@code i}: the {@code w} x {@code h} window moved 3 pixels right and 2 down per frame. */
        Bitmap frame(Arena arena, int i, int w, int h) {
            int x0 = 3 * i;
            int y0 = 2 * i;
            assertTrue(x0 + w <= width && y0 + h <= height, "frame " + i + " inside the scene");
            MemorySegment px = arena.allocate(4L * w * h, 64);
            Random random = new Random(seed * 1000 + i);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int p = pixels[(y0 + y) * width + x0 + x];
                    int r = clamp((p >> 16 & 0xFF) + random.nextGaussian() * SENSOR_NOISE);
                    int g = clamp((p >> 8 & 0xFF) + random.nextGaussian() * SENSOR_NOISE);
                    int b = clamp((p & 0xFF) + random.nextGaussian() * SENSOR_NOISE);
                    px.setAtIndex(ValueLayout.JAVA_INT, (long) y * w + x, 0xFF << 24 | r << 16 | g << 8 | b);
                }
            }
            return new Bitmap(w, h, px, false);
        }
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** The luma plane the encoder was given for {@code b} (I420, as the binding converts it). */
    private static byte[] luma(Bitmap b) {
        byte[] i420 = new byte[(int) I420.size(b.width(), b.height())];
        I420.convert(b, MemorySegment.ofArray(i420));
        byte[] y = new byte[b.width() * b.height()];
        System.arraycopy(i420, 0, y, 0, y.length);
        return y;
    }

    /** Luma PSNR (dB) of the top-left {@code width} x {@code height} of a decoded picture against the input's. */
    private static double psnr(byte[] input, int width, int height, H264Decoder.Picture decoded) {
        double sum = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int d = (input[y * width + x] & 0xFF) - (decoded.luma()[y * decoded.width() + x] & 0xFF);
                sum += d * d;
            }
        }
        double mse = sum / ((double) width * height);
        return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
    }

    /** One NAL unit of an Annex-B access unit: where its start code is, its length of start code, its type. */
    private record Nal(int start, int startCodeLength, int type, int end) {
    }

    /** The NAL units of an Annex-B byte stream (start codes 00 00 01 or 00 00 00 01). */
    private static List<Nal> nals(byte[] au) {
        List<Integer> codes = new ArrayList<>();
        for (int i = 0; i + 3 <= au.length; i++) {
            if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1) {
                codes.add(i);
                i += 2;
            }
        }
        List<Nal> nals = new ArrayList<>();
        for (int k = 0; k < codes.size(); k++) {
            int at = codes.get(k);
            boolean zeroBefore = at > 0 && au[at - 1] == 0;
            int start = zeroBefore ? at - 1 : at;
            int end = k + 1 < codes.size() ? codes.get(k + 1) : au.length;
            if (k + 1 < codes.size() && au[end - 1] == 0) {
                end--; // the next unit's four-byte start code
            }
            nals.add(new Nal(start, at + 3 - start, au[at + 3] & 0x1F, end));
        }
        return nals;
    }

    private static List<Integer> types(List<Nal> nals) {
        return nals.stream().map(Nal::type).toList();
    }

    private static byte[] bytes(MemorySegment au) {
        return au.toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void aMovingPhotoDecodesAbove30dBFrameByFrame() throws Throwable {
        Scene scene = new Scene(320 + 3 * 30, 240 + 2 * 30, 5);
        double worst = Double.POSITIVE_INFINITY;
        long total = 0;
        try (Arena arena = Arena.ofConfined(); LibX264.Encoder encoder = LibX264.h264().open(RATE);
             H264Decoder decoder = new H264Decoder()) {
            assertNotNull(encoder, "libx264-164 is installed here (scripts/setup)");
            assertEquals(VideoEncoder.H264, LibX264.h264().codecType());
            assertEquals(VideoEncoder.H264, encoder.codecType());
            for (int i = 0; i < 30; i++) {
                Bitmap frame = scene.frame(arena, i, 320, 240);
                MemorySegment au = encoder.encode(frame, 1000 + i * FRAME_MS, arena);
                assertNotNull(au, "frame " + i);
                assertEquals(i == 0 ? LibX264.X264_TYPE_IDR : LibX264.X264_TYPE_P, encoder.lastPictureType(),
                        "frame " + i + ": an IDR, then P-frames only");
                total += au.byteSize();
                List<H264Decoder.Picture> pictures = decoder.decode(au);
                assertEquals(1, pictures.size(), "frame " + i + ": one access unit, one picture, at once");
                H264Decoder.Picture picture = pictures.getFirst();
                assertEquals(320, picture.width());
                assertEquals(240, picture.height());
                assertEquals(i == 0, picture.keyFrame(), "frame " + i + ": only the first is an IDR");
                double db = psnr(luma(frame), 320, 240, picture);
                assertTrue(db >= 30, "frame " + i + ": luma PSNR " + db + " dB");
                worst = Math.min(worst, db);
            }
            assertEquals(List.of(), decoder.flush(), "nothing held back");
        }
        System.out.printf(Locale.ROOT, "LibX264Test: 30 moving 320x240 frames at 2 Mbit/s: %.0f bytes a frame "
                + "(%.0f at the bit rate), worst luma PSNR %.1f dB%n", total / 30.0, RATE / 8.0 / 30, worst);
    }

    @Test
    void theStreamIsAnnexBConstrainedBaselineSetUpAsTheReferences() throws Throwable {
        Scene scene = new Scene(320 + 3 * 10, 240 + 2 * 10, 6);
        List<byte[]> units = new ArrayList<>();
        try (Arena arena = Arena.ofConfined(); LibX264.Encoder encoder = LibX264.h264().open(RATE)) {
            for (int i = 0; i < 10; i++) {
                units.add(bytes(encoder.encode(scene.frame(arena, i, 320, 240), i * FRAME_MS, arena)));
            }
            MemorySegment p = encoder.parameters();
            assertEquals(1, X264Param.b_annexb(p), "byte-stream=true");
            assertEquals(1, X264Param.b_aud(p), "aud=true");
            assertEquals(1, X264Param.b_repeat_headers(p), "SPS and PPS before key frames");
            assertEquals(0, X264Param.b_vfr_input(p), "constant frame rate: no frame held back");
            assertEquals(1, X264Param.i_timebase_num(p));
            assertEquals(1000, X264Param.i_timebase_den(p), "milliseconds");
            assertEquals(LibX264.NOMINAL_FPS, X264Param.i_fps_num(p));
            assertEquals(1, X264Param.i_fps_den(p));
            assertEquals(LibX264.X264_CSP_I420, X264Param.i_csp(p));
            assertEquals(1, X264Param.b_sliced_threads(p));
            assertTrue(X264Param.i_threads(p) >= 1 && X264Param.i_threads(p) <= LibX264.MAX_THREADS);
        }
        byte[] first = units.getFirst();
        assertTrue(first[0] == 0 && first[1] == 0 && (first[2] == 1 || first[2] == 0 && first[3] == 1),
                "a start code first");
        List<Nal> nals = nals(first);
        List<Integer> types = types(nals);
        assertEquals(0, nals.getFirst().start(), "nothing before the first start code");
        assertEquals(LibX264.NAL_AUD, types.getFirst(), "an access unit delimiter first (aud=true): " + types);
        int sps = types.indexOf(LibX264.NAL_SPS);
        int pps = types.indexOf(LibX264.NAL_PPS);
        int idr = types.indexOf(LibX264.NAL_SLICE_IDR);
        assertTrue(sps > 0 && pps > sps && idr > pps, "AUD, SPS, PPS, then the IDR slices: " + types);
        assertFalse(types.contains(LibX264.NAL_SLICE), "no non-IDR slice in the key frame: " + types);
        Nal spsUnit = nals.get(sps);
        int profile = first[spsUnit.start() + spsUnit.startCodeLength() + 1] & 0xFF;
        int constraints = first[spsUnit.start() + spsUnit.startCodeLength() + 2] & 0xFF;
        assertEquals(66, profile, "Baseline profile_idc");
        assertTrue((constraints & 0x40) != 0, "constraint_set1_flag: Constrained Baseline");
        // x264 states its settings in the key frame's user-data SEI.
        String sei = new String(first, StandardCharsets.ISO_8859_1);
        int options = sei.indexOf("options: ");
        assertTrue(options > 0, "x264's settings SEI");
        String settings = sei.substring(options, sei.indexOf('\0', options));
        for (String expected : List.of("cabac=0", "8x8dct=0", "bframes=0", "sliced_threads=1", "intra_refresh=1",
                "rc_lookahead=0", "rc=cbr", "bitrate=2000", "vbv_maxrate=2000", "vbv_bufsize=1200", "qpmin=15",
                "qpmax=35", "weightp=0", "mbtree=0")) {
            assertTrue((" " + settings + " ").contains(" " + expected + " "), expected + " in " + settings);
        }
        System.out.println("LibX264Test: x264 SEI " + settings);
        for (int i = 1; i < units.size(); i++) {
            List<Integer> later = types(nals(units.get(i)));
            assertEquals(LibX264.NAL_AUD, later.getFirst(), "frame " + i + " starts with its delimiter: " + later);
            assertEquals(1, later.stream().filter(t -> t == LibX264.NAL_AUD).count(), "one access unit: " + later);
            assertFalse(later.contains(LibX264.NAL_SLICE_IDR), "intra refresh instead of IDRs: " + later);
            assertTrue(later.contains(LibX264.NAL_SLICE), "frame " + i + ": " + later);
        }
    }

    @Test
    void aLowerBitRateGivesSmallerFrames() throws Throwable {
        Scene scene = new Scene(320 + 3 * 60, 240 + 2 * 60, 7);
        long high = 0;
        long low = 0;
        try (Arena arena = Arena.ofConfined(); VideoEncoder encoder = LibX264.h264().open(RATE);
             H264Decoder decoder = new H264Decoder()) {
            for (int i = 0; i < 60; i++) {
                if (i == 30) {
                    encoder.bitRate(200_000);
                }
                try (Arena frameArena = Arena.ofConfined()) {
                    MemorySegment au = encoder.encode(scene.frame(frameArena, i, 320, 240), i * FRAME_MS, arena);
                    assertNotNull(au, "frame " + i);
                    assertEquals(1, decoder.decode(au).size(), "frame " + i + " decodes");
                    if (i >= 10 && i < 30) {
                        high += au.byteSize();
                    } else if (i >= 40) {
                        low += au.byteSize();
                    }
                }
            }
        }
        double highMean = high / 20.0;
        double lowMean = low / 20.0;
        System.out.printf(Locale.ROOT, "LibX264Test: mean frame %.0f bytes at 2 Mbit/s (%.0f aimed at), %.0f at "
                + "200 kbit/s (%.0f aimed at)%n", highMean, 2e6 / 8 / 30, lowMean, 2e5 / 8 / 30);
        assertTrue(lowMean * 3 < highMean, "200 kbit/s: " + lowMean + " bytes a frame against " + highMean);
        // The rate control aims at bit rate / NOMINAL_FPS a frame: both regimes land near their aim.
        assertTrue(highMean > 2e6 / 8 / 30 / 1.5 && highMean < 2e6 / 8 / 30 * 1.5, "2 Mbit/s: " + highMean);
        assertTrue(lowMean > 2e5 / 8 / 30 / 1.5 && lowMean < 2e5 / 8 / 30 * 1.5, "200 kbit/s: " + lowMean);
    }

    @Test
    void aFrameX264RefusesGivesNullAndTheNextFrameStartsOver() throws Throwable {
        try (Arena arena = Arena.ofConfined(); VideoEncoder encoder = LibX264.h264().open(RATE);
             H264Decoder decoder = new H264Decoder()) {
            Bitmap frame = new Scene(64 + 3 * 3, 48 + 2 * 3, 11).frame(arena, 0, 64, 48);
            assertEquals(1, decoder.decode(encoder.encode(frame, 0, arena)).size());
            assertNull(encoder.encode(new Bitmap(0, 0, arena.allocate(0), false), 33, arena), "an empty frame");
            assertNull(encoder.encode(new Bitmap(0, 0, arena.allocate(0), false), 66, arena), "again (logged once)");
            MemorySegment au = encoder.encode(frame, 99, arena);
            assertNotNull(au);
            assertTrue(types(nals(bytes(au))).contains(LibX264.NAL_SLICE_IDR), "a new stream: an IDR first");
            assertTrue(decoder.decode(au).getFirst().keyFrame());
        }
    }

    @Test
    void aSizeChangeStartsOverWithAKeyFrameAndOddSizesArePadded() throws Throwable {
        Scene scene = new Scene(320 + 3 * 20, 240 + 2 * 20, 8);
        try (Arena arena = Arena.ofConfined(); VideoEncoder encoder = LibX264.h264().open(RATE);
             H264Decoder decoder = new H264Decoder()) {
            for (int i = 0; i < 20; i++) {
                int w = i < 10 ? 320 : 161;
                int h = i < 10 ? 240 : 121;
                Bitmap frame = scene.frame(arena, i, w, h);
                MemorySegment au = encoder.encode(frame, i * FRAME_MS, arena);
                assertNotNull(au, "frame " + i + " at " + w + "x" + h);
                List<Integer> types = types(nals(bytes(au)));
                boolean key = i == 0 || i == 10;
                assertEquals(key, types.contains(LibX264.NAL_SPS) && types.contains(LibX264.NAL_SLICE_IDR),
                        "frame " + i + ": " + types);
                List<H264Decoder.Picture> pictures = decoder.decode(au);
                assertEquals(1, pictures.size(), "frame " + i);
                H264Decoder.Picture picture = pictures.getFirst();
                assertEquals(key, picture.keyFrame(), "frame " + i);
                assertEquals(w + (w & 1), picture.width(), "frame " + i + ": padded to an even width");
                assertEquals(h + (h & 1), picture.height(), "frame " + i + ": padded to an even height");
                double db = psnr(luma(frame), w, h, picture);
                assertTrue(db >= 30, "frame " + i + " at " + w + "x" + h + ": luma PSNR " + db + " dB");
                if (w == 161) {
                    // The padding repeats the last column and row; allow the codec's error.
                    byte[] y = picture.luma();
                    int pw = picture.width();
                    for (int row = 0; row < h; row++) {
                        int d = (y[row * pw + 160] & 0xFF) - (y[row * pw + 161] & 0xFF);
                        assertTrue(Math.abs(d) <= 24, "frame " + i + " row " + row + ": padding column off by " + d);
                    }
                }
            }
        }
    }

    @Test
    void timestampsThatRepeatOrGoBackStillEncode() throws Throwable {
        Scene scene = new Scene(64 + 3 * 6, 48 + 2 * 6, 9);
        int[] mmTimes = {100, 100, 90, Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MIN_VALUE + 40};
        try (Arena arena = Arena.ofConfined(); VideoEncoder encoder = LibX264.h264().open(RATE);
             H264Decoder decoder = new H264Decoder()) {
            for (int i = 0; i < mmTimes.length; i++) {
                MemorySegment au = encoder.encode(scene.frame(arena, i, 64, 48), mmTimes[i], arena);
                assertNotNull(au, "frame " + i + " at mm_time " + mmTimes[i]);
                assertEquals(1, decoder.decode(au).size(), "frame " + i);
            }
        }
    }

    @Test
    void heapPixelsAndTinyFramesEncode() throws Throwable {
        try (Arena arena = Arena.ofConfined(); VideoEncoder encoder = LibX264.h264().open(RATE);
             H264Decoder decoder = new H264Decoder()) {
            for (int[] size : new int[][] {{1, 1}, {2, 2}, {3, 17}, {17, 3}}) {
                int[] values = new int[size[0] * size[1]];
                java.util.Arrays.fill(values, 0x00336699);
                MemorySegment au = encoder.encode(Bitmap.of(size[0], size[1], values, false), 0, arena);
                assertNotNull(au, size[0] + "x" + size[1]);
                H264Decoder.Picture picture = decoder.decode(au).getFirst();
                assertEquals(size[0] + (size[0] & 1), picture.width());
                assertEquals(size[1] + (size[1] & 1), picture.height());
            }
        }
    }

    @Test
    void closingTwiceIsHarmlessAndUseAfterCloseIsRefused() {
        VideoEncoder encoder = LibX264.h264().open(RATE);
        try (Arena arena = Arena.ofConfined()) {
            assertNotNull(encoder.encode(Bitmap.of(16, 16, new int[256], false), 0, arena));
            encoder.close();
            assertDoesNotThrow(encoder::close);
            assertThrows(IllegalStateException.class,
                    () -> encoder.encode(Bitmap.of(16, 16, new int[256], false), 33, arena));
        }
        VideoEncoder unused = LibX264.h264().open(RATE);
        unused.bitRate(100_000);
        assertDoesNotThrow(unused::close, "never started");
    }

    @Test
    void aMissingLibraryMeansNoEncoder() {
        LibX264 missing = new LibX264("libx264-not-here.so.164");
        assertEquals(VideoEncoder.H264, missing.codecType());
        assertNull(missing.open(RATE), "no H.264, no exception");
        assertNull(missing.open(RATE), "and it is not tried again");
    }

    /** Encode time of a 640x400 frame (the I420 conversion included) on this machine: printed, not asserted. */
    @Test
    void encodeTimeOf640x400() throws Throwable {
        int frames = 60;
        Scene scene = new Scene(640 + 3 * (frames + 20), 400 + 2 * (frames + 20), 10);
        try (Arena arena = Arena.ofConfined(); VideoEncoder encoder = LibX264.h264().open(RATE)) {
            List<Bitmap> input = new ArrayList<>();
            for (int i = 0; i < frames + 20; i++) {
                input.add(scene.frame(arena, i, 640, 400));
            }
            for (int i = 0; i < 20; i++) {
                assertNotNull(encoder.encode(input.get(i), i * FRAME_MS, arena));
            }
            long bytes = 0;
            long t0 = System.nanoTime();
            for (int i = 20; i < frames + 20; i++) {
                try (Arena out = Arena.ofConfined()) {
                    bytes += encoder.encode(input.get(i), i * FRAME_MS, out).byteSize();
                }
            }
            double ms = (System.nanoTime() - t0) / 1e6 / frames;
            MemorySegment i420 = arena.allocate(I420.size(640, 400), 64);
            for (int i = 0; i < 20; i++) {
                I420.convert(input.get(i), i420);
            }
            t0 = System.nanoTime();
            for (int i = 20; i < frames + 20; i++) {
                I420.convert(input.get(i), i420);
            }
            double convertMs = (System.nanoTime() - t0) / 1e6 / frames;
            System.out.printf(Locale.ROOT, "LibX264Test: 640x400 moving photo at 2 Mbit/s: %.2f ms a frame "
                    + "(I420 conversion alone %.2f ms), %.0f bytes a frame%n", ms, convertMs, bytes / (double) frames);
        }
    }
}
