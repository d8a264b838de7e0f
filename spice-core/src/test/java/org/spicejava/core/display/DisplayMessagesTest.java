package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.Brush;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Mask;
import org.spicejava.core.display.draw.Rect;

/** Display messages byte by byte, as SPICE-PROTOCOL.md section 5.6 lays them out. */
class DisplayMessagesTest {
    @Test
    void drawCopyOfAnUncompressedBitmap() {
        Bitmap b = Bitmap.of(2, 1, new int[] {0x112233, 0x445566}, false);
        DisplayMessages.Message m = DisplayMessages.copy(0, new Rect(5, 6, 6, 8), b, null);
        ByteBuffer body = m.body().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(DisplayMessages.MSG_DRAW_COPY, m.type());
        assertEquals(93 + 4 * 2, body.remaining());
        assertEquals(5, body.getInt(4));
        assertEquals(8, body.getInt(16));
        assertEquals(0, body.get(20), "no clip");
        assertEquals(57, body.getInt(21), "offset of the image");
        assertEquals(2, body.getInt(25 + 12), "src_area right");
        assertEquals(8, body.getShort(41), "OP_PUT");
        assertEquals(0, body.getInt(53), "no mask");
        assertEquals(0, body.get(57 + 8), "image type BITMAP");
        assertEquals(2, body.getInt(57 + 10));
        assertEquals(8, body.get(75), "32BIT");
        assertEquals(4, body.get(76), "TOP_DOWN");
        assertEquals(8, body.getInt(85), "stride");
        assertEquals(0, body.getInt(89), "no palette");
        assertEquals(0x33, body.get(93));
        assertEquals(0x44, body.get(99));
    }

    @Test
    void fillWithClipRectsInline() {
        Drawable d = new Drawable(1, 0, Rect.ofSize(4, 4), List.of(new Rect(0, 0, 2, 2)),
                new DrawOp.Fill(new Brush.Solid(0xabcdef), 8, Mask.NONE), 0);
        ByteBuffer body = DisplayMessages.draw(d, null).body().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(4 + 16 + 1 + 4 + 16 + 5 + 2 + 13, body.remaining());
        assertEquals(1, body.get(20));
        assertEquals(1, body.getInt(21));
        assertEquals(1, body.get(41), "solid brush");
        assertEquals(0xabcdef, body.getInt(42));
        assertEquals(8, body.getShort(46));
    }

    @Test
    void surfaceCreate() {
        ByteBuffer body = DisplayMessages.surfaceCreate(0, 720, 400, 32, 1).body().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(20, body.remaining());
        assertEquals(720, body.getInt(4));
        assertEquals(1, body.getInt(16));
    }
}
