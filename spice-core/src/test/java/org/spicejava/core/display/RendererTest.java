package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.Brush;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Mask;
import org.spicejava.core.display.draw.Rect;

/** The local renderer draws into surface memory exactly, for both stride directions. */
class RendererTest {
    private final Arena arena = Arena.ofConfined();
    private final Renderer renderer = new Renderer(id -> null);

    @AfterEach
    void close() {
        arena.close();
    }

    private Surface surface(int width, int height, boolean bottomUp) {
        MemorySegment mem = arena.allocate((long) width * height * 4, 8);
        return new Surface(0, width, height, Surface.FMT_32_XRGB, bottomUp ? -width * 4 : width * 4, mem, true);
    }

    private static Drawable draw(Rect box, List<Rect> clip, DrawOp op) {
        return new Drawable(0, 0, box, clip, op, 0);
    }

    @Test
    void copyLandsInTheRightRowsForNegativeStride() {
        Surface s = surface(4, 3, true);
        Bitmap b = Bitmap.of(2, 2, new int[] {1, 2, 3, 4}, false);
        renderer.draw(s, draw(new Rect(1, 1, 3, 3), null, new DrawOp.Copy(b, Rect.ofSize(2, 2), 8, 0, Mask.NONE,
                false)));
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0}, s.read(s.bounds()));
        // Row 0 is the last row in memory when the stride is negative.
        assertEquals(3, s.get(1, 2));
        assertEquals(s.get(1, 2), readRaw(s, 2 * 0 + 0, 1));
        assertEquals(new Rect(1, 1, 3, 3), s.dirty());
    }

    @Test
    void emptySourceAreaAtTheImageEdgeDrawsNothing() {
        // Found by fuzzing: a 0-row source area on the bottom edge is inside its image, and scaling it to a
        // non-empty box read the row past the image.
        Surface s = surface(3, 2, false);
        Bitmap b = Bitmap.of(2, 2, new int[] {1, 2, 3, 4}, false);
        renderer.draw(s, draw(s.bounds(), null, new DrawOp.Copy(b, new Rect(2, 0, 2, 2), Renderer.OP_XOR, 0,
                Mask.NONE, false)));
        assertArrayEquals(new int[6], s.read(s.bounds()));
    }

    private int readRaw(Surface s, int memoryRow, int x) {
        return s.get(x, s.height() - 1 - memoryRow);
    }

    @Test
    void fillHonoursClipAndRop() {
        Surface s = surface(3, 2, false);
        renderer.draw(s, draw(s.bounds(), List.of(new Rect(0, 0, 1, 2)), new DrawOp.Fill(new Brush.Solid(0x0000ff),
                8, Mask.NONE)));
        assertArrayEquals(new int[] {0xff, 0xff, 0, 0, 0, 0}, s.read(s.bounds()));
        renderer.draw(s, draw(s.bounds(), null, new DrawOp.Fill(new Brush.Solid(0x00ff0f), Renderer.OP_XOR,
                Mask.NONE)));
        assertArrayEquals(new int[] {0xfff0, 0xfff0, 0xff0f, 0xff0f, 0xff0f, 0xff0f}, s.read(s.bounds()));
    }

    @Test
    void copyBitsScrollsOverlappingAreas() {
        Surface s = surface(1, 4, false);
        for (int y = 0; y < 4; y++) {
            s.set(0, y, y + 1);
        }
        // Scroll up by one: the area rows 0..3 takes its pixels from rows 1..4 -> source out of range.
        assertThrows(QxlException.class, () -> renderer.draw(s, draw(new Rect(0, 0, 4, 1), null,
                new DrawOp.CopyBits(0, 1))));
        renderer.draw(s, draw(new Rect(0, 0, 3, 1), null, new DrawOp.CopyBits(0, 1)));
        assertArrayEquals(new int[] {2, 3, 4, 4}, s.read(s.bounds()));
    }

    @Test
    void scaledCopyWithMask() {
        Surface s = surface(4, 1, false);
        Bitmap src = Bitmap.of(2, 1, new int[] {0x10, 0x20}, false);
        Bitmap mask = Bitmap.of(4, 1, new int[] {0xffffff, 0, 0xffffff, 0xffffff}, false);
        renderer.draw(s, draw(Rect.ofSize(4, 1), null, new DrawOp.Copy(src, Rect.ofSize(2, 1), 8, 1,
                new Mask(0, 0, 0, mask), false)));
        assertArrayEquals(new int[] {0x10, 0, 0x20, 0x20}, s.read(s.bounds()));
    }

    @Test
    void ropAndRop3Tables() {
        assertEquals(0x0f, Renderer.rop(Renderer.OP_PUT, 0x0f, 0xff, Renderer.INVERS_SRC) & 0xff);
        assertEquals(0xf0, Renderer.rop(Renderer.OP_PUT | Renderer.INVERS_SRC, 0x0f, 0xff, Renderer.INVERS_SRC) & 0xff);
        assertEquals(0x0f, Renderer.rop(Renderer.OP_AND, 0x0f, 0xff, Renderer.INVERS_SRC) & 0xff);
        // 0xCC is SRCCOPY, 0x66 is SRCINVERT (src xor dst), 0xF0 is PATCOPY.
        assertEquals(0x12, Renderer.rop3(0xCC, 0x12, 0x34, 0x56) & 0xff);
        assertEquals(0x12 ^ 0x56, Renderer.rop3(0x66, 0x12, 0x34, 0x56) & 0xff);
        assertEquals(0x34, Renderer.rop3(0xF0, 0x12, 0x34, 0x56) & 0xff);
    }

    @Test
    void memoryLayoutIsLittleEndianXrgb() {
        Surface s = surface(1, 1, false);
        renderer.draw(s, draw(Rect.ofSize(1, 1), null, new DrawOp.Fill(new Brush.Solid(0x112233), 8, Mask.NONE)));
        MemorySegment raw = arena.allocate(4);
        raw.set(ValueLayout.JAVA_INT, 0, s.get(0, 0));
        assertEquals(0x33, raw.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0x11, raw.get(ValueLayout.JAVA_BYTE, 2));
    }

    @Test
    void textDrawsBackAreaThenGlyphRowsStoredBottomUp() {
        Surface s = surface(4, 3, false);
        // A1 glyph 4x2 at render (1,1) + origin (0,0): stored rows bottom-up, MSB first.
        byte[] rows = {(byte) 0b0011_0000, (byte) 0b1100_0000}; // bottom row, then top row
        DrawOp.GlyphString str = new DrawOp.GlyphString(1, java.util.List.of(
                new DrawOp.GlyphString.Glyph(0, 1, 0, 0, 4, 2, rows)));
        renderer.draw(s, draw(s.bounds(), null, new DrawOp.Text(str, new Rect(0, 0, 1, 4),
                new Brush.Solid(0xff0000), new Brush.Solid(0x0000ff), 8, 8)));
        assertArrayEquals(new int[] {0xff, 0xff, 0xff, 0xff, 0xff0000, 0xff0000, 0, 0, 0, 0, 0xff0000, 0xff0000},
                s.read(s.bounds()));
    }

    @Test
    void partialCoverageBlends() {
        assertEquals(0x808080, Renderer.blend(0xffffff, 0x000000, 128) & 0xffffff);
        assertEquals(0x123456, Renderer.blend(0xffffff, 0x123456, 0) & 0xffffff);
    }
}
