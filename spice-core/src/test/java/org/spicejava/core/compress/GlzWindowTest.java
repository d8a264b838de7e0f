package org.spicejava.core.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.Arrays;
import java.util.Random;
import java.util.function.IntBinaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.spicejava.core.display.draw.Bitmap;

/** A session's GLZ images decoded as the client's window decodes them: across images, within the window. */
class GlzWindowTest {
    private final Arena arena = Arena.ofConfined();
    private final GlzWindow window = new GlzWindow();
    private final Map<Long, int[]> client = new HashMap<>();

    @AfterEach
    void close() {
        window.close();
        arena.close();
    }

    private LzTestDecoder.Decoded send(Bitmap b, int windowPixels) {
        byte[] payload = window.encode(b, windowPixels, arena).toArray(ValueLayout.JAVA_BYTE);
        LzTestDecoder.Decoded d = LzTestDecoder.glz(payload, client);
        int[] expected = b.toArray();
        for (int i = 0; i < expected.length && !b.alpha(); i++) {
            expected[i] &= 0xFFFFFF; // the client's x8r8g8b8
        }
        assertArrayEquals(expected, d.pixels(), "image " + d.imageId());
        return d;
    }

    /**
     * The fourth byte of an xRGB pixel is not sent: GLZ (with window matches across images and long runs) and LZ
     * write the same bytes whatever it holds, so a guest's garbage there neither shortens matches nor shows.
     */
    @Test
    void theUnusedByteNeverChangesWhatIsWritten() {
        Random random = new Random(9);
        int[] rows = random.ints(40, 0, 0x1000000).toArray();
        IntBinaryOperator content = (x, y) -> x < 300 ? rows[y % 40] : rows[(x / 7 + y) % 40];
        GlzWindow clean = new GlzWindow();
        GlzWindow noisy = new GlzWindow();
        try {
            for (int frame = 0; frame < 3; frame++) {
                int shift = frame * 3;
                Bitmap plain = TestImages.image(arena, 400, 120, false, (x, y) -> content.applyAsInt(x, y + shift));
                Bitmap padded = TestImages.image(arena, 400, 120, false,
                        (x, y) -> content.applyAsInt(x, y + shift) | random.nextInt(256) << 24);
                assertArrayEquals(clean.encode(plain, 1 << 20, arena).toArray(ValueLayout.JAVA_BYTE),
                        noisy.encode(padded, 1 << 20, arena).toArray(ValueLayout.JAVA_BYTE), "GLZ image " + frame);
                assertArrayEquals(LzImage.lz(plain, arena).toArray(ValueLayout.JAVA_BYTE),
                        LzImage.lz(padded, arena).toArray(ValueLayout.JAVA_BYTE), "LZ image " + frame);
            }
        } finally {
            clean.close();
            noisy.close();
        }
    }

    /** A console of random "text" rows, scrolled up by {@code lines} rows of 16 pixels. */
    private static Bitmap console(int[] rows, int lines, int width, int height) {
        int[] px = new int[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                px[y * width + x] = rows[(y + 16 * lines) * width + x];
            }
        }
        return Bitmap.of(width, height, px, false);
    }

    @Test
    void aScrolledScreenCopiesFromTheImageBefore() {
        int width = 320;
        int height = 160;
        int[] text = new Random(9).ints(width * (height + 64), 0, 4).map(v -> v * 0x3F3F3F).toArray();
        LzTestDecoder.Decoded first = send(console(text, 0, width, height), 1 << 20);
        int alone = LzImage.glz(console(text, 1, width, height), 99, arena).toArray(ValueLayout.JAVA_BYTE).length;
        byte[] scrolled = window.encode(console(text, 1, width, height), 1 << 20, arena)
                .toArray(ValueLayout.JAVA_BYTE);
        LzTestDecoder.Decoded second = LzTestDecoder.glz(scrolled, client);
        assertEquals(first.imageId() + 1, second.imageId());
        assertEquals(1, second.headDistance(), "the client keeps the image it copied from");
        assertTrue(scrolled.length * 2 < alone, "scrolled: " + scrolled.length + " bytes, alone " + alone);
    }

    @Test
    void anImageOverHalfTheWindowIsNotKept() {
        int[] pixels = new Random(12).ints(64 * 64, 0, 4).map(v -> v * 0x3F3F3F).toArray();
        int window = 64 * 64 + 100; // the image and a small one would fit, but not the image twice
        send(Bitmap.of(64, 64, pixels, false), window);
        Bitmap small = Bitmap.of(8, 8, Arrays.copyOf(pixels, 64), false);
        assertEquals(0, send(small, window).headDistance(), "nothing kept to copy from");
        // Half the window: kept, beside the small image kept before it.
        send(Bitmap.of(64, 64, pixels, false), 2 * 64 * 64);
        assertEquals(2, send(small, 2 * 64 * 64).headDistance());
    }

    @Test
    void theClientKeepsExactlyTheImagesThatMayStillBeNamed() {
        Random random = new Random(10);
        int[] shared = random.ints(64 * 64).toArray();
        for (int i = 0; i < 40; i++) {
            int shift = i;
            Bitmap b = Bitmap.of(64, 64, java.util.stream.IntStream.range(0, 64 * 64)
                    .map(k -> shared[(k + shift * 64) % shared.length]).toArray(), false);
            // A window of three images' pixels: older ones leave both sides at the same time.
            LzTestDecoder.Decoded d = send(b, 3 * 64 * 64);
            assertTrue(d.headDistance() <= 2, "head distance " + d.headDistance());
            assertTrue(client.size() <= 3, client.size() + " images kept by the client");
        }
        assertEquals(40, window.imagesEncoded());
    }

    @Test
    void imagesWithAlphaAndImagesPastTheWindowStillDecode() {
        Random random = new Random(12);
        send(Bitmap.of(32, 32, random.ints(32 * 32).toArray(), true), 1 << 20);
        send(Bitmap.of(40, 40, random.ints(40 * 40).toArray(), false), 1000); // too big to keep
        send(Bitmap.of(20, 20, new int[400], false), 1 << 20);
        send(Bitmap.of(20, 20, new int[400], false), 1 << 20);
    }
}
