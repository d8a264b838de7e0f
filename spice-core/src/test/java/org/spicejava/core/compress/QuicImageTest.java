package org.spicejava.core.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.function.IntBinaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.spicejava.core.display.draw.Bitmap;

/** QUIC streams decode to the exact pixels on every kind of content, width and height, with and without alpha. */
class QuicImageTest {
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    private Bitmap image(int width, int height, boolean alpha, IntBinaryOperator pixel) {
        return TestImages.image(arena, width, height, alpha, pixel);
    }

    private static int[] expected(Bitmap b) {
        return TestImages.expected(b);
    }

    private long roundTrip(String what, Bitmap b) {
        MemorySegment stream = QuicImage.encode(b, arena);
        assertTrue(stream.byteSize() <= QuicImage.worstCase(b.width(), b.height(), b.alpha()), what);
        QuicTestDecoder.Decoded d = QuicTestDecoder.decode(stream.toArray(ValueLayout.JAVA_BYTE));
        assertEquals(b.alpha() ? QuicImage.TYPE_RGBA : QuicImage.TYPE_RGB32, d.type(), what);
        assertEquals(b.width(), d.width(), what);
        assertEquals(b.height(), d.height(), what);
        assertArrayEquals(expected(b), d.pixels(), what);
        return stream.byteSize();
    }

    /** A smooth picture with sensor noise: gradients in each channel plus a few levels of random noise. */
    private static IntBinaryOperator photo(int width, int height, long seed) {
        Random random = new Random(seed);
        return (x, y) -> {
            int n = random.nextInt(7) - 3;
            int r = Math.clamp(x * 255L / width + n, 0, 255);
            int g = Math.clamp(y * 255L / height + n, 0, 255);
            int bl = Math.clamp((long) (128 + 100 * Math.sin(x / 23.0) * Math.cos(y / 17.0)) + n, 0, 255);
            return 0xFF000000 | r << 16 | g << 8 | bl;
        };
    }

    /** Glyph-like cells on a flat background, with translucent edges for alpha. */
    private static int text(int x, int y) {
        boolean ink = x % 8 < 6 && y % 16 > 3 && y % 16 < 14 && (x * 7 + y * 13 + (x / 8) * (y / 16)) % 5 < 2;
        return ink ? 0xFF202020 : (x % 8 == 7 ? 0x80F0F0F0 : 0xFFF0F0F0);
    }

    @Test
    void everyKindOfContentRoundTrips() {
        Random random = new Random(1);
        for (int width : new int[] {1, 2, 3, 4, 5, 7, 16, 31, 33, 64, 101, 255}) {
            for (int height : new int[] {1, 2, 3, 1 + width % 9, 17}) {
                for (boolean alpha : new boolean[] {false, true}) {
                    String size = width + "x" + height + (alpha ? " RGBA" : " RGB32");
                    roundTrip("random " + size, image(width, height, alpha, (x, y) -> random.nextInt()));
                    roundTrip("flat " + size, image(width, height, alpha, (x, y) -> 0x80336699));
                    roundTrip("gradient " + size, image(width, height, alpha,
                            (x, y) -> (x * 3 + y) << 24 | x * 0x010203 + y * 0x030201));
                    roundTrip("photo " + size, image(width, height, alpha, photo(width, height, width + height)));
                    roundTrip("text " + size, image(width, height, alpha, QuicImageTest::text));
                }
            }
        }
    }

    @Test
    void rowsLongerThanTheModelsStepsRoundTrip() {
        // The wait between model updates grows every 2048 pixels, also inside a row; after 6 steps it stops.
        for (int width : new int[] {2047, 2048, 2049, 4095, 5000, 13000}) {
            for (boolean alpha : new boolean[] {false, true}) {
                roundTrip("photo " + width, image(width, 3, alpha, photo(width, 3, width)));
                roundTrip("text " + width, image(width, 4, alpha, QuicImageTest::text));
            }
        }
    }

    @Test
    void longRunsUseTheRunCodersHighStates() {
        // Runs of 100,000 pixels climb through every run state, including the last one (runs of 32768).
        // The first row has no runs (a bit a sample at best); the two rows under it cost next to nothing.
        IntBinaryOperator twoRuns = (x, y) -> x < 150_000 ? 0xFF112233 : 0x7F445566;
        long first = roundTrip("one row", image(200_000, 1, true, twoRuns));
        long three = roundTrip("long runs", image(200_000, 3, true, twoRuns));
        assertTrue(three - first < 100, "two rows of two runs took " + (three - first) + " bytes");
        // Runs that stop one pixel short, everywhere: stripes with a different pixel every few pixels.
        for (int period : new int[] {2, 3, 4, 5, 9}) {
            roundTrip("stripes " + period, image(500, 20, period % 2 == 0,
                    (x, y) -> x % period == 0 ? 0xFF000000 | y : 0xFFFFFFFF));
        }
    }

    @Test
    void aPhotoCompressesToLessThanHalfItsSize() {
        int width = 640;
        int height = 480;
        long raw = 4L * width * height;
        long photo = roundTrip("photo", image(width, height, false, photo(width, height, 5)));
        long gradient = roundTrip("gradient", image(width, height, false,
                (x, y) -> (x * 255 / width) << 16 | (y * 255 / height) << 8 | ((x + y) * 255 / (width + height))));
        long lz = LzImage.lz(image(width, height, false, photo(width, height, 5)), arena).byteSize();
        assertTrue(photo * 2 < raw, "photo: QUIC " + photo + " bytes of " + raw);
        assertTrue(photo < lz, "photo: QUIC " + photo + " bytes, LZ " + lz);
        assertTrue(gradient * 4 < raw, "gradient: QUIC " + gradient + " bytes of " + raw);
    }

    @Test
    void aLimitStopsTheEncoderEarly() {
        Random random = new Random(2);
        // Four random channels cost more than their 32 bits (the code's unary part adds at least one bit).
        Bitmap noise = image(300, 200, true, (x, y) -> random.nextInt());
        long raw = 4L * 300 * 200;
        assertNull(QuicImage.encode(noise, raw, arena), "random pixels do not fit in their raw size");
        Bitmap flat = image(300, 200, false, (x, y) -> 0x123456);
        MemorySegment small = QuicImage.encode(flat, raw, arena);
        assertNotNull(small);
        assertArrayEquals(expected(flat),
                QuicTestDecoder.decode(small.toArray(ValueLayout.JAVA_BYTE)).pixels());
    }

    /** Flat blocks, gradients with noise and, for RGBA, varying alpha: every part of the coder gets used. */
    private static int[] mixedPixels(int width, int height, boolean alpha) {
        Random random = new Random(width * 31L + height);
        int[] px = new int[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int n = random.nextInt(7) - 3;
                boolean flat = (x / 40 + y / 30) % 3 == 0;
                int r = flat ? 200 : Math.clamp(x * 255L / width + n, 0, 255);
                int g = flat ? 60 : Math.clamp(y * 255L / height + n, 0, 255);
                int b = flat ? 90 : Math.clamp(128 + (x ^ y) % 64 + n, 0, 255);
                int a = alpha ? (flat ? 255 : (x + y) & 0xFF) : 0;
                px[y * width + x] = a << 24 | r << 16 | g << 8 | b;
            }
        }
        return px;
    }

    /**
     * The streams spice-common's encoder (quic_encode, at freedesktop/spice-common de79bac) made from these images,
     * by length and CRC-32: ours must be the same bytes, not only decodable.
     */
    @Test
    void streamsAreTheReferenceEncodersBitForBit() {
        record Reference(int width, int height, boolean alpha, int length, long crc) {
        }
        for (Reference r : new Reference[] {
                new Reference(300, 200, false, 68544, 0x5B10FCC3L), new Reference(300, 200, true, 87472, 0x8F7781F5L),
                new Reference(5000, 4, false, 27052, 0xD01EE0D3L), new Reference(5000, 4, true, 33276, 0x9D591219L),
                new Reference(7, 3, false, 48, 0xC3DD93D3L), new Reference(7, 3, true, 52, 0x3724DA2EL)}) {
            Bitmap b = Bitmap.of(r.width(), r.height(), mixedPixels(r.width(), r.height(), r.alpha()), r.alpha());
            byte[] stream = QuicImage.encode(b, arena).toArray(ValueLayout.JAVA_BYTE);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(stream);
            String what = r.width() + "x" + r.height() + (r.alpha() ? " RGBA" : " RGB32");
            assertEquals(r.length(), stream.length, what);
            assertEquals(r.crc(), crc.getValue(), what);
            assertArrayEquals(expected(b), QuicTestDecoder.decode(stream).pixels(), what);
        }
    }

    @Test
    void theHeaderIsWhatSpiceCommonReads() {
        MemorySegment s = QuicImage.encode(image(5, 3, true, (x, y) -> 0), arena);
        byte[] b = s.toArray(ValueLayout.JAVA_BYTE);
        assertEquals("QUIC", new String(b, 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
        java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, h.getInt(4));
        assertEquals(5, h.getInt(8)); // QUIC_IMAGE_TYPE_RGBA
        assertEquals(5, h.getInt(12));
        assertEquals(3, h.getInt(16));
        assertEquals(0, s.byteSize() % 4);
    }
}
