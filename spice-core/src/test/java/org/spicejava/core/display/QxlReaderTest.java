package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.Brush;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Rect;

/** The QXL reader on crafted guest memory: every bitmap format, chunks, drawables, and hostile input. */
class QxlReaderTest {
    private final GuestRam ram = new GuestRam(1 << 20);
    private final java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined();
    private final QxlReader reader = new QxlReader(ram.memory, id -> id == 0 ? new int[] {640, 480} : null);

    @AfterEach
    void close() {
        arena.close();
        ram.close();
    }

    private Bitmap direct(int format, int flags, int width, int height, int stride, long palette, byte[] pixels) {
        long data = ram.alloc(pixels.length);
        ram.bytes(data, pixels);
        long image = ram.bitmapImage(format, flags | 1, width, height, stride, palette, GuestRam.qxl(data));
        return (Bitmap) reader.image(GuestRam.qxl(image), 0, arena);
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void thirtyTwoBitTopDownAndBottomUp() {
        byte[] px = bytes(1, 2, 3, 0xff, 4, 5, 6, 0xff, 7, 8, 9, 0, 10, 11, 12, 0);
        Bitmap top = direct(BitmapFormat.THIRTY_TWO_BIT, 4, 2, 2, 8, 0, px);
        assertArrayEquals(new int[] {0xff030201, 0xff060504, 0x090807, 0x0c0b0a}, top.toArray(), "top-down, as is");
        Bitmap bottom = direct(BitmapFormat.THIRTY_TWO_BIT, 0, 2, 2, 8, 0, px);
        assertArrayEquals(new int[] {0x090807, 0x0c0b0a, 0xff030201, 0xff060504}, bottom.toArray(), "bottom-up rows");
        assertFalse(top.alpha());
    }

    @Test
    void rgbaKeepsAlpha() {
        Bitmap b = direct(BitmapFormat.RGBA, 4, 1, 1, 4, 0, bytes(1, 2, 3, 0x80));
        assertEquals(0x80030201, b.toArray()[0]);
        assertTrue(b.alpha());
    }

    @Test
    void twentyFourAndSixteenBit() {
        Bitmap b24 = direct(BitmapFormat.TWENTY_FOUR_BIT, 4, 2, 1, 8, 0, bytes(1, 2, 3, 4, 5, 6, 0, 0));
        assertArrayEquals(new int[] {0x030201, 0x060504}, b24.toArray());
        // x1r5g5b5: red 31, green 0, blue 1 -> ff, 00, 08
        int v = 31 << 10 | 1;
        Bitmap b16 = direct(BitmapFormat.SIXTEEN_BIT, 4, 1, 1, 2, 0, bytes(v & 0xff, v >> 8));
        assertEquals(0xff0008, b16.toArray()[0]);
    }

    @Test
    void palettizedFormats() {
        long pal = GuestRam.qxl(ram.palette(0x000000, 0xffffff, 0x123456, 0xabcdef));
        Bitmap b8 = direct(BitmapFormat.EIGHT_BIT, 4, 3, 1, 4, pal, bytes(2, 3, 1, 0));
        assertArrayEquals(new int[] {0x123456, 0xabcdef, 0xffffff}, b8.toArray());
        Bitmap be4 = direct(BitmapFormat.FOUR_BIT_BE, 4, 3, 1, 2, pal, bytes(0x23, 0x10));
        assertArrayEquals(new int[] {0x123456, 0xabcdef, 0xffffff}, be4.toArray(), "high nibble first");
        Bitmap le4 = direct(BitmapFormat.FOUR_BIT_LE, 4, 3, 1, 2, pal, bytes(0x32, 0x01));
        assertArrayEquals(new int[] {0x123456, 0xabcdef, 0xffffff}, le4.toArray(), "low nibble first");
        Bitmap be1 = direct(BitmapFormat.ONE_BIT_BE, 4, 3, 1, 1, pal, bytes(0b1010_0000));
        assertArrayEquals(new int[] {0xffffff, 0, 0xffffff}, be1.toArray(), "MSB first");
        Bitmap le1 = direct(BitmapFormat.ONE_BIT_LE, 4, 3, 1, 1, pal, bytes(0b0000_0101));
        assertArrayEquals(new int[] {0xffffff, 0, 0xffffff}, le1.toArray(), "LSB first");
    }

    @Test
    void chunkedRowsAcrossThreeChunks() {
        // 2x3 32-bit image, 24 bytes split 10 + 10 + 4 across a chain.
        byte[] px = new byte[24];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) i;
        }
        long c3 = ram.chunk(java.util.Arrays.copyOfRange(px, 20, 24), 0);
        long c2 = ram.chunk(java.util.Arrays.copyOfRange(px, 10, 20), GuestRam.qxl(c3));
        long c1 = ram.chunk(java.util.Arrays.copyOfRange(px, 0, 10), GuestRam.qxl(c2));
        long image = ram.bitmapImage(BitmapFormat.THIRTY_TWO_BIT, 4, 2, 3, 8, 0, GuestRam.qxl(c1));
        Bitmap b = (Bitmap) reader.image(GuestRam.qxl(image), 0, arena);
        assertEquals(0x03020100, b.pixel(0, 0));
        assertEquals(0x17161514, b.pixel(1, 2));
    }

    @Test
    void aCroppedBottomUpImageInChunksOfWholeRowsDecodesRowByRow() {
        // 3x4 32-bit, bottom-up, rows of 12 bytes 16 apart; chunks of two stored rows each, the last one short.
        int width = 3;
        int height = 4;
        int stride = 16;
        byte[] px = new byte[stride * (height - 1) + 12];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 7 + 1);
        }
        long c2 = ram.chunk(java.util.Arrays.copyOfRange(px, 32, px.length), 0);
        long c1 = ram.chunk(java.util.Arrays.copyOfRange(px, 0, 32), GuestRam.qxl(c2));
        long image = ram.bitmapImage(BitmapFormat.THIRTY_TWO_BIT, 0, width, height, stride, 0, GuestRam.qxl(c1));
        long d = ram.drawable(QxlReader.DRAW_COPY, 0, 10, 20, 12, 22);
        ram.u64(d + 123, GuestRam.qxl(image)).rect(d + 131, 1, 1, 3, 3).u16(d + 147, 8); // rows 1-2, columns 1-2
        Bitmap part = (Bitmap) ((DrawOp.Copy) reader.drawable(GuestRam.qxl(d), 0, 0, arena).op()).src();
        int[] expected = new int[4];
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 2; x++) {
                int at = (height - 1 - (y + 1)) * stride + 4 * (x + 1); // the stored row of picture row y + 1
                expected[y * 2 + x] = java.nio.ByteBuffer.wrap(px, at, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .getInt();
            }
        }
        assertArrayEquals(expected, part.toArray(), "stored rows 1 and 2 lie in different chunks");
    }

    @Test
    void aCroppedImageInOneChunkDecodesFromItsRows() {
        // 3x3 32-bit image, bottom-up, in one chunk; its middle 2x2 (columns 1-2, rows 0-1 from the top).
        byte[] px = new byte[36];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) i;
        }
        long image = ram.bitmapImage(BitmapFormat.THIRTY_TWO_BIT, 0, 3, 3, 12, 0, GuestRam.qxl(ram.chunk(px, 0)));
        long d = ram.drawable(QxlReader.DRAW_COPY, 0, 10, 20, 12, 22);
        ram.u64(d + 123, GuestRam.qxl(image)).rect(d + 131, 0, 1, 2, 3).u16(d + 147, 8);
        Bitmap part = (Bitmap) ((DrawOp.Copy) reader.drawable(GuestRam.qxl(d), 0, 0, arena).op()).src();
        // top row of the image is the last stored row (bytes 24..35): pixel (1, 0) is bytes 28..31
        assertArrayEquals(new int[] {0x1f1e1d1c, 0x23222120, 0x13121110, 0x17161514}, part.toArray());
    }

    @Test
    void aWholeImageTheGuestMarkedCacheableKeepsItsIdAndACroppedOneDoesNot() {
        long data = ram.alloc(64);
        long image = ram.bitmapImage(BitmapFormat.THIRTY_TWO_BIT, 5, 4, 4, 16, 0, GuestRam.qxl(data));
        ram.u64(image, 0x1234_0000_0001L).u8(image + 9, 1); // descriptor id, QXL_IMAGE_CACHE
        assertEquals(0x1234_0000_0001L, ((Bitmap) reader.image(GuestRam.qxl(image), 0, arena)).cacheId());

        long d = ram.drawable(QxlReader.DRAW_COPY, 0, 10, 20, 12, 22);
        ram.u64(d + 123, GuestRam.qxl(image)).rect(d + 131, 1, 1, 3, 3).u16(d + 147, 8); // a 2x2 part of it
        DrawOp.Copy part = (DrawOp.Copy) reader.drawable(GuestRam.qxl(d), 0, 0, arena).op();
        assertEquals(Bitmap.NOT_CACHED, ((Bitmap) part.src()).cacheId());

        ram.u8(image + 9, 0);
        assertEquals(Bitmap.NOT_CACHED, ((Bitmap) reader.image(GuestRam.qxl(image), 0, arena)).cacheId(),
                "not marked");
    }

    @Test
    void copyDrawableWithClip() {
        long data = ram.alloc(16);
        long image = ram.bitmapImage(BitmapFormat.THIRTY_TWO_BIT, 5, 2, 2, 8, 0, GuestRam.qxl(data));
        long d = ram.drawable(QxlReader.DRAW_COPY, 0, 10, 20, 12, 22);
        long clip = ram.alloc(4 + 20 + 32);
        ram.u32(clip, 2).u32(clip + 4, 32).rect(clip + 24, 10, 20, 11, 22).rect(clip + 40, 11, 20, 12, 21);
        ram.u32(d + 47, 1).u64(d + 51, GuestRam.qxl(clip));
        ram.u64(d + 123, GuestRam.qxl(image)).rect(d + 131, 0, 0, 2, 2).u16(d + 147, 8);
        Drawable drawable = reader.drawable(GuestRam.qxl(d), 0, 0, arena);
        assertEquals(new Rect(10, 20, 12, 22), drawable.bbox());
        assertEquals(List.of(new Rect(10, 20, 11, 22), new Rect(11, 20, 12, 21)), drawable.clip());
        DrawOp.Copy copy = assertInstanceOf(DrawOp.Copy.class, drawable.op());
        assertEquals(Rect.ofSize(2, 2), copy.srcArea());
        assertEquals(8, copy.rop());
        assertNull(copy.mask().bitmap());
    }

    @Test
    void fillWithSolidBrush() {
        long d = ram.drawable(QxlReader.DRAW_FILL, 0, 0, 0, 4, 4);
        ram.u32(d + 123, Brush.TYPE_SOLID).u32(d + 127, 0x00ff00).u16(d + 143, 8);
        DrawOp.Fill fill = assertInstanceOf(DrawOp.Fill.class, reader.drawable(GuestRam.qxl(d), 0, 0, arena).op());
        assertEquals(new Brush.Solid(0x00ff00), fill.brush());
        assertEquals(8, fill.rop());
    }

    @Test
    void surfaceAndCursorCommands() {
        long s = ram.alloc(41);
        ram.u32(s + 8, 3).u8(s + 12, 0).u32(s + 17, Surface.FMT_32_XRGB).u32(s + 21, 64).u32(s + 25, 32)
                .u32(s + 29, -256).u64(s + 33, 0x1234);
        assertEquals(new SurfaceCommand(3, true, 0, 32, 64, 32, -256, 0x1234), reader.surface(GuestRam.qxl(s), 0));

        byte[] shape = new byte[2 * 2 * 4];
        shape[3] = (byte) 0xff;
        long cursor = ram.alloc(22 + 20 + shape.length);
        ram.u64(cursor, 99).u16(cursor + 8, CursorShape.TYPE_ALPHA).u16(cursor + 10, 2).u16(cursor + 12, 2)
                .u16(cursor + 14, 1).u16(cursor + 16, 0).u32(cursor + 18, shape.length)
                .u32(cursor + 22, shape.length).bytes(cursor + 42, shape);
        long cmd = ram.alloc(150);
        ram.u8(cmd + 8, 0).u16(cmd + 9, 5).u16(cmd + 11, -7).u8(cmd + 13, 1).u64(cmd + 14, GuestRam.qxl(cursor));
        CursorCommand.Set set = assertInstanceOf(CursorCommand.Set.class, reader.cursor(GuestRam.qxl(cmd), 0));
        assertEquals(5, set.x());
        assertEquals(-7, set.y());
        assertEquals(99, set.shape().unique());
        assertArrayEquals(shape, set.shape().data());
    }

    // ---- hostile input: each is refused with a QxlException, never anything else ----

    @Test
    void addressOutsideEveryMemslot() {
        assertThrows(QxlException.class, () -> reader.drawable(GuestRam.qxl(2, GuestRam.GENERATION, 64), 0, 0, arena));
        assertThrows(QxlException.class, () -> reader.drawable(GuestRam.qxl((1 << 20) - 100), 0, 0, arena),
                "a drawable running past the slot's end");
        assertThrows(QxlException.class, () -> reader.drawable(0, 0, 0, arena), "NULL");
    }

    @Test
    void wrongGeneration() {
        long d = ram.drawable(QxlReader.DRAW_FILL, 0, 0, 0, 1, 1);
        assertThrows(QxlException.class, () -> reader.drawable(GuestRam.qxl(GuestRam.SLOT, 4, d), 0, 0, arena));
    }

    @Test
    void chunkChainThatLoops() {
        long a = ram.alloc(20);
        long b = ram.alloc(20);
        ram.u32(a, 0).u64(a + 12, GuestRam.qxl(b));
        ram.u32(b, 0).u64(b + 12, GuestRam.qxl(a));
        long image = ram.bitmapImage(BitmapFormat.THIRTY_TWO_BIT, 4, 2, 2, 8, 0, GuestRam.qxl(a));
        QxlException e = assertThrows(QxlException.class, () -> reader.image(GuestRam.qxl(image), 0, arena));
        assertTrue(e.getMessage().contains("loops"), e.getMessage());
    }

    @Test
    void strideSmallerThanARow() {
        long data = ram.alloc(64);
        long image = ram.bitmapImage(BitmapFormat.THIRTY_TWO_BIT, 5, 4, 2, 12, 0, GuestRam.qxl(data));
        QxlException e = assertThrows(QxlException.class, () -> reader.image(GuestRam.qxl(image), 0, arena));
        assertTrue(e.getMessage().contains("stride"), e.getMessage());
    }

    @Test
    void imageLargerThanItsMemory() {
        long chunk = ram.chunk(new byte[8], 0); // a 4x4 32-bit image needs 64 bytes
        long chunked = ram.bitmapImage(BitmapFormat.THIRTY_TWO_BIT, 4, 4, 4, 16, 0, GuestRam.qxl(chunk));
        assertThrows(QxlException.class, () -> reader.image(GuestRam.qxl(chunked), 0, arena));
        long near = (1 << 20) - 32; // direct pixels that would run past the slot
        long direct = ram.bitmapImage(BitmapFormat.THIRTY_TWO_BIT, 5, 4, 4, 16, 0, GuestRam.qxl(near));
        assertThrows(QxlException.class, () -> reader.image(GuestRam.qxl(direct), 0, arena));
        long huge = ram.bitmapImage(BitmapFormat.THIRTY_TWO_BIT, 5, 100_000, 100_000, 400_000, 0, GuestRam.qxl(64));
        assertThrows(QxlException.class, () -> reader.image(GuestRam.qxl(huge), 0, arena));
    }

    @Test
    void sourceAreaOutsideTheImage() {
        long data = ram.alloc(16);
        long image = ram.bitmapImage(BitmapFormat.THIRTY_TWO_BIT, 5, 2, 2, 8, 0, GuestRam.qxl(data));
        long d = ram.drawable(QxlReader.DRAW_COPY, 0, 0, 0, 3, 3);
        ram.u64(d + 123, GuestRam.qxl(image)).rect(d + 131, 0, 0, 3, 3).u16(d + 147, 8);
        assertThrows(QxlException.class, () -> reader.drawable(GuestRam.qxl(d), 0, 0, arena));
    }

    @Test
    void palettizedImageWithoutPaletteAndUnknownTypes() {
        long data = ram.alloc(4);
        long image = ram.bitmapImage(BitmapFormat.EIGHT_BIT, 5, 2, 2, 2, 0, GuestRam.qxl(data));
        assertThrows(QxlException.class, () -> reader.image(GuestRam.qxl(image), 0, arena));
        long d = ram.drawable(200, 0, 0, 0, 1, 1);
        assertThrows(QxlException.class, () -> reader.drawable(GuestRam.qxl(d), 0, 0, arena));
        long badRect = ram.drawable(QxlReader.DRAW_FILL, 0, 5, 5, 1, 1);
        assertThrows(QxlException.class, () -> reader.drawable(GuestRam.qxl(badRect), 0, 0, arena));
    }

    @Test
    void tooManyClipRectangles() {
        long d = ram.drawable(QxlReader.DRAW_FILL, 0, 0, 0, 1, 1);
        long clip = ram.alloc(24);
        ram.u32(clip, Integer.MAX_VALUE);
        ram.u32(d + 47, 1).u64(d + 51, GuestRam.qxl(clip));
        assertThrows(QxlException.class, () -> reader.drawable(GuestRam.qxl(d), 0, 0, arena));
    }

    @Test
    void surfaceIdOutOfRangeOrMissing() {
        DisplayChannel display = new DisplayChannel(0, 4);
        long mem = ram.alloc(16);
        Surface s = new Surface(7, 2, 2, Surface.FMT_32_XRGB, 8, ram.base.asSlice(mem, 16), false);
        assertThrows(QxlException.class, () -> display.create(s));
        Drawable d = new Drawable(2, 0, Rect.ofSize(1, 1), null, new DrawOp.Solid(DrawOp.Solid.Kind.BLACKNESS,
                org.spicejava.core.display.draw.Mask.NONE), 0);
        assertThrows(QxlException.class, () -> display.draw(d, display.pixels().lease()));
        assertThrows(QxlException.class, () -> display.destroy(3));
        long mem2 = ram.alloc(64);
        display.create(new Surface(1, 4, 4, Surface.FMT_32_XRGB, 16, ram.base.asSlice(mem2, 64), false));
        Drawable outside = new Drawable(1, 0, new Rect(0, 0, 5, 4), null, new DrawOp.Solid(
                DrawOp.Solid.Kind.WHITENESS, org.spicejava.core.display.draw.Mask.NONE), 0);
        assertThrows(QxlException.class, () -> display.draw(outside, display.pixels().lease()));
        Drawable huge = new Drawable(1, 0, new Rect(Integer.MIN_VALUE, Integer.MIN_VALUE, 4, 4), null,
                new DrawOp.Solid(DrawOp.Solid.Kind.WHITENESS, org.spicejava.core.display.draw.Mask.NONE), 0);
        assertThrows(QxlException.class, () -> display.draw(huge, display.pixels().lease()));
    }

    @Test
    void strokeWithStyledLineAndItsWireForm() {
        long path = ram.alloc(4 + 20 + 24);
        ram.u32(path, 24).u32(path + 4, 24); // data_size, then the first chunk's size
        ram.u32(path + 24, 1).u32(path + 28, 2).u32(path + 32, 16).u32(path + 36, 32).u32(path + 40, 48)
                .u32(path + 44, 64);
        long style = ram.alloc(8);
        ram.u32(style, 16).u32(style + 4, 32);
        long d = ram.drawable(QxlReader.DRAW_STROKE, 0, 0, 0, 10, 10);
        ram.u64(d + 123, GuestRam.qxl(path)).u8(d + 131, 8).u8(d + 134, 2).u64(d + 143, GuestRam.qxl(style))
                .u32(d + 151, Brush.TYPE_SOLID).u32(d + 155, 0xff0000).u16(d + 171, 6).u16(d + 173, 7);
        Drawable drawable = reader.drawable(GuestRam.qxl(d), 0, 0, arena);
        DrawOp.Stroke stroke = assertInstanceOf(DrawOp.Stroke.class, drawable.op());
        assertEquals(1, stroke.path().segments().size());
        assertArrayEquals(new int[] {16, 32, 48, 64}, stroke.path().segments().get(0).points());
        assertArrayEquals(new int[] {16, 32}, stroke.attr().style());
        assertEquals(new Brush.Solid(0xff0000), stroke.brush());
        java.nio.ByteBuffer body = DisplayMessages.draw(drawable, null).body();
        // DisplayBase (21), path offset, LineAttr {flags, nseg, style offset}, brush (5), modes (4)
        assertEquals(21 + 4 + 1 + 1 + 4 + 5 + 4 + (4 + 5 + 16) + 8, body.remaining());
        int pathAt = body.getInt(21);
        assertEquals(1, body.getInt(pathAt), "one segment");
        assertEquals(2, body.getInt(pathAt + 5), "two points");
        int styleAt = body.getInt(27);
        assertEquals(32, body.getInt(styleAt + 4));
    }

    @Test
    void textGlyphsAndHostileGlyphSizes() {
        // One A1 glyph 8x2: 1 byte per row.
        long str = ram.alloc(8 + 20 + 22);
        ram.u32(str, 22).u16(str + 4, 1).u16(str + 6, 1).u32(str + 8, 22);
        ram.u32(str + 28, 5).u32(str + 32, 6).u16(str + 44, 8).u16(str + 46, 2).u8(str + 48, 0xf0).u8(str + 49, 0x0f);
        long d = ram.drawable(QxlReader.DRAW_TEXT, 0, 0, 0, 10, 10);
        ram.u64(d + 123, GuestRam.qxl(str)).u32(d + 147, Brush.TYPE_SOLID).u32(d + 151, 0xffffff);
        DrawOp.Text text = assertInstanceOf(DrawOp.Text.class, reader.drawable(GuestRam.qxl(d), 0, 0, arena).op());
        assertEquals(1, text.string().glyphs().size());
        assertArrayEquals(bytes(0xf0, 0x0f), text.string().glyphs().get(0).data());
        assertEquals(5, text.string().glyphs().get(0).renderX());
        ram.u16(str + 44, 200); // now the glyph claims more rows of data than the string holds
        assertThrows(QxlException.class, () -> reader.drawable(GuestRam.qxl(d), 0, 0, arena));
        ram.u16(str + 44, 8).u16(str + 6, 3); // two raster depths at once
        assertThrows(QxlException.class, () -> reader.drawable(GuestRam.qxl(d), 0, 0, arena));
    }

    @Test
    void pathSegmentRunningPastThePath() {
        long path = ram.alloc(4 + 20 + 16);
        ram.u32(path, 16).u32(path + 4, 16).u32(path + 24, 1).u32(path + 28, 1000);
        long d = ram.drawable(QxlReader.DRAW_STROKE, 0, 0, 0, 10, 10);
        ram.u64(d + 123, GuestRam.qxl(path));
        assertThrows(QxlException.class, () -> reader.drawable(GuestRam.qxl(d), 0, 0, arena));
    }

    @Test
    void compositeWithTransformAndMissingMask() {
        long data = ram.alloc(16);
        long image = ram.bitmapImage(BitmapFormat.RGBA, 5, 2, 2, 8, 0, GuestRam.qxl(data));
        long transform = ram.alloc(24);
        for (int i = 0; i < 6; i++) {
            ram.u32(transform + 4L * i, i == 0 || i == 4 ? 0x10000 : 0);
        }
        long d = ram.drawable(QxlReader.DRAW_COMPOSITE, 0, 0, 0, 2, 2);
        ram.u32(d + 123, 3 | DrawOp.Composite.HAS_SRC_TRANSFORM).u64(d + 127, GuestRam.qxl(image))
                .u64(d + 135, GuestRam.qxl(transform)).u16(d + 159, 1).u16(d + 161, 2);
        Drawable drawable = reader.drawable(GuestRam.qxl(d), 0, 0, arena);
        DrawOp.Composite c = assertInstanceOf(DrawOp.Composite.class, drawable.op());
        assertArrayEquals(new int[] {0x10000, 0, 0, 0, 0x10000, 0}, c.srcTransform());
        assertNull(c.mask());
        assertEquals(2, c.srcOriginY());
        java.nio.ByteBuffer body = DisplayMessages.draw(drawable, null).body();
        assertEquals(DisplayMessages.MSG_DRAW_COMPOSITE, DisplayMessages.draw(drawable, null).type());
        // DisplayBase 21, flags 4, src offset 4, transform 24, origins 8, then the image (18 + 18 + 16 pixels)
        assertEquals(21 + 4 + 4 + 24 + 8 + 18 + 18 + 16, body.remaining());
        assertEquals(0x10000, body.getInt(29));
        ram.u32(d + 123, DrawOp.Composite.HAS_MASK); // announces a mask whose address is 0
        assertThrows(QxlException.class, () -> reader.drawable(GuestRam.qxl(d), 0, 0, arena));
    }
}
