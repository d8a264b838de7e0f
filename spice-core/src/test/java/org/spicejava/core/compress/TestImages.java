package org.spicejava.core.compress;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntBinaryOperator;

import org.spicejava.core.display.draw.Bitmap;

/** Bitmaps for the codec round-trip tests, and what a client shows for them. */
public final class TestImages {
    private TestImages() {
    }

    /** A {@code width}x{@code height} bitmap in {@code arena} with pixel values {@code pixel(x, y)}. */
    static Bitmap image(Arena arena, int width, int height, boolean alpha, IntBinaryOperator pixel) {
        MemorySegment px = arena.allocate(4L * width * height, 8);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                px.setAtIndex(ValueLayout.JAVA_INT, (long) y * width + x, pixel.applyAsInt(x, y));
            }
        }
        return new Bitmap(width, height, px, alpha);
    }

    /** Console-like text cells (GLZ leaves repeated byte patterns in it that deflate still finds). */
    public static Bitmap console(int width, int height) {
        int[] px = new int[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                px[y * width + x] = (x % 8 < 6 && y % 16 > 3 && y % 16 < 14 && (x * 7 + y * 13 + x / 8) % 5 < 2)
                        ? 0xC0C0C0 : 0x000000;
            }
        }
        return Bitmap.of(width, height, px, false);
    }

    /** What the client shows: without alpha the pad byte decodes as zero; with alpha it is kept. */
    static int[] expected(Bitmap b) {
        int[] px = b.toArray();
        if (!b.alpha()) {
            for (int i = 0; i < px.length; i++) {
                px[i] &= 0xFFFFFF;
            }
        }
        return px;
    }
}
