package org.spicejava.core.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.function.IntBinaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.spicejava.core.display.draw.Bitmap;

/** LZ and GLZ payloads decode to the exact pixels, on every kind of content and near every format limit. */
class LzImageTest {
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

    private void roundTrip(String what, Bitmap b) {
        byte[] lz = LzImage.lz(b, arena).toArray(ValueLayout.JAVA_BYTE);
        LzTestDecoder.Decoded d = LzTestDecoder.lz(lz);
        assertEquals(b.width(), d.width(), what);
        assertEquals(b.height(), d.height(), what);
        assertArrayEquals(expected(b), d.pixels(), what + " (LZ)");
        byte[] glz = LzImage.glz(b, 77, arena).toArray(ValueLayout.JAVA_BYTE);
        LzTestDecoder.Decoded g = LzTestDecoder.glz(glz);
        assertEquals(77, g.imageId(), what);
        assertArrayEquals(expected(b), g.pixels(), what + " (GLZ)");
    }

    @Test
    void everyKindOfContentRoundTrips() {
        Random random = new Random(1);
        for (int width : new int[] {1, 2, 3, 7, 31, 33, 64, 101}) {
            for (boolean alpha : new boolean[] {false, true}) {
                int height = 1 + width % 9;
                roundTrip("random " + width, image(width, height, alpha, (x, y) -> random.nextInt()));
                roundTrip("flat " + width, image(width, height, alpha, (x, y) -> 0x80336699));
                roundTrip("gradient " + width, image(width, height, alpha, (x, y) -> x * 0x010203 + y * 0x030201));
                // Text-like: a few colours in small repeating shapes.
                roundTrip("text " + width, image(width, height, alpha,
                        (x, y) -> ((x / 3 + y / 2) % 5 == 0) ? 0xFF000000 : 0xFFFFFFFF));
            }
        }
    }

    @Test
    void photoLikeNoiseRoundTrips() {
        // Gradients with sensor noise: mostly literals, broken by one-pixel runs and by hash candidates whose first
        // pixel agrees and whose second does not, where the encoder's literal scan hands over to its full path.
        Random random = new Random(5);
        Bitmap b = image(320, 240, false, (x, y) -> {
            int n = random.nextInt(5) - 2;
            return Math.clamp(x / 2 + n, 0, 255) << 16 | Math.clamp(y + n, 0, 255) << 8
                    | Math.clamp((x + y) / 3 + n, 0, 255);
        });
        roundTrip("photo-like", b);
        long lz = LzImage.lz(b, arena).byteSize();
        assertTrue(lz < 3L * 320 * 240, "LZ payload " + lz + " bytes: one-pixel runs are cheaper than literals");
    }

    @Test
    void repeatedPixelPairsBecomeMatches() {
        // Every third pixel is fresh noise and the two before it one of 64 pairs: no three pixels repeat, two do
        // (as on photos, where a three-pixel hash alone finds almost nothing). GLZ looks for pairs; LZ does not.
        Random random = new Random(9);
        int[][] pairs = new int[64][];
        for (int k = 0; k < pairs.length; k++) {
            pairs[k] = new int[] {random.nextInt(), random.nextInt()};
        }
        int width = 300;
        int[] row = new int[width];
        Bitmap b = image(width, 200, false, (x, y) -> {
            if (x % 3 == 0) {
                int[] pair = pairs[random.nextInt(pairs.length)];
                row[x] = pair[0];
                row[x + 1] = pair[1];
                row[x + 2] = random.nextInt();
            }
            return row[x];
        });
        roundTrip("pairs", b);
        long pixels = (long) width * 200;
        // GLZ: a pair as a 3-byte match instead of 6 bytes of literals where it looks (after a few literals in a
        // row); all literals would take 3.1 bytes a pixel.
        long glz = LzImage.glz(b, 1, arena).byteSize();
        assertTrue(glz < 2.8 * pixels, "GLZ payload " + glz + " bytes for " + pixels + " pixels");
    }

    @Test
    void longRunsUseExtendedLengths() {
        Bitmap b = image(1000, 3, true, (x, y) -> x < 600 ? 0xFF112233 : 0x7F445566);
        roundTrip("long runs", b);
        long size = LzImage.lz(b, arena).byteSize();
        assertTrue(size < 100, "3000 pixels of two runs took " + size + " bytes");
    }

    @Test
    void farReferencesInBothFormats() {
        // A random row of 9000 pixels repeated: matches 9000 back (LZ far form, GLZ 13-bit offsets)...
        int[] row = new Random(2).ints(9000).toArray();
        roundTrip("period 9000", image(9000, 3, false, (x, y) -> row[x]));
        // ...and 140,000 back (past LZ's window; GLZ's widest offsets): ten random pixels, then one colour.
        int[] head = new Random(3).ints(10).toArray();
        Bitmap b = image(140_000, 2, false, (x, y) -> x < head.length ? head[x] : 0x445566);
        roundTrip("period 140000", b);
        long glz = LzImage.glz(b, 0, arena).byteSize();
        long lz = LzImage.lz(b, arena).byteSize();
        assertTrue(glz < lz, "GLZ reaches back 140,000 pixels where LZ cannot: GLZ " + glz + ", LZ " + lz);
    }

    @Test
    void desktopContentCompressesWell() {
        // Flat panels with a few edges, as a desktop: the payload must be a small fraction of 4 bytes a pixel.
        Bitmap b = image(640, 480, false, (x, y) -> y < 30 ? 0x2040A0 : (x % 160 < 2 ? 0x000000 : 0xF0F0F0));
        long lz = LzImage.lz(b, arena).byteSize();
        assertTrue(lz * 50 < 4L * 640 * 480, "LZ payload " + lz + " bytes");
    }

    @Test
    void shortRunsBetweenLiteralsNeverOverflowTheOutputBound() {
        // x y y z w w ...: every second pixel repeats its neighbour, the worst case for one-pixel matches.
        Random random = new Random(4);
        int[] values = random.ints(300 * 300).toArray();
        for (int alpha = 0; alpha < 2; alpha++) {
            Bitmap b = image(300, 300, alpha == 1, (x, y) -> values[(y * 300 + x) / 2]);
            Bitmap pairs = image(300, 300, alpha == 1, (x, y) -> values[(y * 300 + x + 1) / 2]);
            roundTrip("pairs", b);
            roundTrip("offset pairs", pairs);
        }
    }
}
