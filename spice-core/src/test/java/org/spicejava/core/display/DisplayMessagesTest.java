package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.compress.LzTestDecoder;
import org.spicejava.core.compress.QuicTestDecoder;
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

    /** A 16x16 desktop-like image: flat with one edge, as GLZ and LZ shrink it. */
    private static Bitmap desktop() {
        int[] px = new int[16 * 16];
        Arrays.fill(px, 0xF0F0F0);
        Arrays.fill(px, 0, 16, 0x204080);
        return Bitmap.of(16, 16, px, false);
    }

    /** The image of a DRAW_COPY body (no clip): {type, data bytes}. */
    private static Object[] copiedImage(ByteBuffer body) {
        int image = body.getInt(21);
        int type = Byte.toUnsignedInt(body.get(image + 8));
        int size = body.getInt(image + 18);
        byte[] data = new byte[size];
        body.get(image + 22, data);
        assertEquals(image + 22 + size, body.limit(), "the payload ends the message");
        return new Object[] {type, data};
    }

    private static ByteBuffer encodedCopy(Bitmap b, ImageEncoder encoder, int setting, Arena arena) {
        Drawable d = DisplayMessages.copy(0, Rect.ofSize(b.width(), b.height()), b, null).drawable();
        return DisplayMessages.draw(d, null, new DisplayMessages.Coding(encoder, setting, arena, null)).body()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void eachClientsDrawCarriesItsCodecsImage() {
        GlzWindow glz = new GlzWindow();
        ImageEncoder encoder = new ImageEncoder(glz, true);
        Bitmap b = desktop();
        try (Arena arena = Arena.ofConfined()) {
            // Before DISPLAY_INIT names a GLZ window, auto_glz sends LZ.
            Object[] lz = copiedImage(encodedCopy(b, encoder, ImageEncoder.AUTO_GLZ, arena));
            assertEquals(ImageEncoder.IMAGE_LZ_RGB, lz[0]);
            assertEquals(Arrays.toString(b.toArray()), Arrays.toString(
                    LzTestDecoder.lz((byte[]) lz[1]).pixels()));
            encoder.glzWindow(1 << 20);
            Map<Long, int[]> window = new HashMap<>();
            for (long id = 0; id < 3; id++) {
                Object[] image = copiedImage(encodedCopy(b, encoder, ImageEncoder.AUTO_GLZ, arena));
                assertEquals(ImageEncoder.IMAGE_GLZ_RGB, image[0]);
                var decoded = LzTestDecoder.glz((byte[]) image[1], window);
                assertEquals(id, decoded.imageId(), "GLZ ids from 0, one per image");
                assertEquals(Arrays.toString(b.toArray()), Arrays.toString(decoded.pixels()));
            }
            // The client's preference wins over the server's setting; off and tiny images go raw.
            encoder.prefer(ImageEncoder.LZ);
            assertEquals(ImageEncoder.IMAGE_LZ_RGB, copiedImage(encodedCopy(b, encoder, ImageEncoder.GLZ, arena))[0]);
            encoder.prefer(ImageEncoder.LZ4);
            assertEquals(ImageEncoder.IMAGE_LZ4, copiedImage(encodedCopy(b, encoder, ImageEncoder.GLZ, arena))[0]);
            assertEquals(ImageEncoder.IMAGE_LZ_RGB, copiedImage(encodedCopy(b, new ImageEncoder(glz, false),
                    ImageEncoder.LZ4, arena))[0], "LZ for a client without the LZ4 capability");
            encoder.prefer(0);
            assertEquals(DisplayMessages.IMAGE_BITMAP,
                    encodedCopy(b, encoder, ImageEncoder.OFF, arena).get(57 + 8));
            Bitmap tiny = Bitmap.of(3, 3, new int[9], false);
            assertEquals(DisplayMessages.IMAGE_BITMAP,
                    encodedCopy(tiny, encoder, ImageEncoder.LZ, arena).get(57 + 8), "36 bytes go raw");
            assertEquals(3, glz.imagesEncoded(), "only GLZ images took ids");
        }
    }

    /** Soft gradients with noise: what the graduality test calls HIGH. */
    private static Bitmap photo(int width, int height, boolean alpha) {
        java.util.Random random = new java.util.Random(7);
        int[] px = new int[width * height];
        for (int i = 0; i < px.length; i++) {
            int x = i % width;
            int y = i / width;
            int n = random.nextInt(5) - 2;
            px[i] = (alpha ? (x * 4 & 0xFF) << 24 : 0) | Math.clamp(x * 4 + n, 0, 255) << 16
                    | Math.clamp(y * 4 + n, 0, 255) << 8 | Math.clamp(128 + n, 0, 255);
        }
        return Bitmap.of(width, height, px, alpha);
    }

    @Test
    void quicForEveryBitmapUnderItsSettingAndForPhotosUnderAuto() {
        GlzWindow glz = new GlzWindow();
        ImageEncoder encoder = new ImageEncoder(glz, true);
        encoder.glzWindow(1 << 20);
        try (Arena arena = Arena.ofConfined()) {
            for (boolean alpha : new boolean[] {false, true}) {
                Bitmap photo = photo(60, 40, alpha);
                Object[] quic = copiedImage(encodedCopy(photo, encoder, ImageEncoder.QUIC, arena));
                assertEquals(ImageEncoder.IMAGE_QUIC, quic[0]);
                int[] expected = photo.toArray();
                if (!alpha) {
                    for (int i = 0; i < expected.length; i++) {
                        expected[i] &= 0xFFFFFF;
                    }
                }
                assertEquals(Arrays.toString(expected),
                        Arrays.toString(QuicTestDecoder.decode((byte[]) quic[1]).pixels()), "alpha " + alpha);
                for (int setting : new int[] {ImageEncoder.AUTO_GLZ, ImageEncoder.AUTO_LZ}) {
                    assertEquals(ImageEncoder.IMAGE_QUIC,
                            copiedImage(encodedCopy(photo, encoder, setting, arena))[0], "photo, setting " + setting);
                }
            }
            // Under QUIC, desktops are QUIC too; under AUTO they are GLZ or LZ.
            assertEquals(ImageEncoder.IMAGE_QUIC, copiedImage(encodedCopy(desktop(), encoder, ImageEncoder.QUIC,
                    arena))[0]);
            assertEquals(ImageEncoder.IMAGE_GLZ_RGB, copiedImage(encodedCopy(desktop(), encoder,
                    ImageEncoder.AUTO_GLZ, arena))[0]);
            assertEquals(ImageEncoder.IMAGE_LZ_RGB, copiedImage(encodedCopy(desktop(), encoder,
                    ImageEncoder.AUTO_LZ, arena))[0]);
            assertEquals(1, glz.imagesEncoded(), "QUIC images take no GLZ id");
            // Two rows are too few for QUIC: raw under QUIC, LZ under AUTO; so is noise that QUIC cannot shrink.
            Bitmap low = photo(60, 2, false);
            assertEquals(DisplayMessages.IMAGE_BITMAP, encodedCopy(low, encoder, ImageEncoder.QUIC, arena).get(57 + 8));
            assertEquals(ImageEncoder.IMAGE_LZ_RGB, copiedImage(encodedCopy(low, encoder, ImageEncoder.AUTO_LZ,
                    arena))[0]);
            java.util.Random random = new java.util.Random(8);
            int[] noise = random.ints(40 * 40).toArray();
            assertEquals(DisplayMessages.IMAGE_BITMAP, encodedCopy(Bitmap.of(40, 40, noise, true), encoder,
                    ImageEncoder.QUIC, arena).get(57 + 8));
        }
    }

    @Test
    void surfaceCreate() {
        ByteBuffer body = DisplayMessages.surfaceCreate(0, 720, 400, 32, 1).body().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(20, body.remaining());
        assertEquals(720, body.getInt(4));
        assertEquals(1, body.getInt(16));
    }
}
