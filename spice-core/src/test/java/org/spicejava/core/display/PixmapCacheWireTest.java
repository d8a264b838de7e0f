package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.spicejava.core.channel.ChannelFuzzing;
import org.spicejava.core.channel.ChannelFuzzing.Msg;
import org.spicejava.core.channel.MessageFramer;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Mask;
import org.spicejava.core.display.draw.Rect;
import org.spicejava.core.protocol.ChannelType;

/** What a client with a pixmap cache receives for images the guest marked cacheable. */
class PixmapCacheWireTest {
    private static final int SIDE = 64;
    private final MemorySegment primary = Arena.ofAuto().allocate(4L * SIDE * SIDE, 8);
    private final DisplayChannel display = new DisplayChannel(0, 4);
    private ChannelFuzzing.Run run;

    /** A message the server wrote: its type and body. */
    private record Sent(int type, ByteBuffer body) {
        /** A draw's first image descriptor: {id, type, flags}; the image offset follows the base and a NONE clip. */
        long[] image() {
            int at = body.getInt(21);
            return new long[] {body.getLong(at), Byte.toUnsignedInt(body.get(at + 8)),
                    Byte.toUnsignedInt(body.get(at + 9))};
        }
    }

    private void connect(int compression, long cachePixels) {
        display.setImageCompression(compression);
        display.create(new Surface(0, SIDE, SIDE, Surface.FMT_32_XRGB, 4 * SIDE, primary, true));
        Msg init = Msg.of(DisplayChannelClient.MSGC_INIT,
                b -> b.put((byte) 1).putLong(cachePixels).put((byte) 1).putInt(1 << 20));
        run = ChannelFuzzing.run(ChannelFuzzing.seed(true, 64, init), ChannelType.DISPLAY,
                new int[] {DisplayMessages.SERVER_CAPS}, (connection, link) -> {
                    DisplayChannelClient client = new DisplayChannelClient(connection, link, display,
                            new GlzWindow());
                    display.addClient(client);
                    return client;
                });
    }

    /** Draws a cacheable 8x8 image {@code id} at {@code x}. */
    private void draw(long id, int x) {
        int[] values = new int[64];
        java.util.Arrays.fill(values, (int) (id * 0x112233));
        Bitmap image = Bitmap.of(8, 8, values, false).withCacheId(id);
        display.draw(new Drawable(0, 0, new Rect(0, x, 8, x + 8), null, new DrawOp.Copy(image, Rect.ofSize(8, 8),
                DrawOp.ROPD_OP_PUT, 1, Mask.NONE, false), 0), display.pixels().lease());
    }

    private List<Sent> sent() {
        List<Sent> out = new ArrayList<>();
        new MessageFramer(true, Integer.MAX_VALUE).decode(ByteBuffer.wrap(run.socket().written()),
                (type, body) -> {
                    ByteBuffer copy = ByteBuffer.allocate(body.remaining()).order(ByteOrder.LITTLE_ENDIAN);
                    copy.put(body).flip();
                    out.add(new Sent(type, copy));
                });
        List<Sent> relevant = out.stream().filter(s -> s.type() == DisplayMessages.MSG_DRAW_COPY
                || s.type() == DisplayMessages.MSG_INVAL_LIST || s.type() == DisplayMessages.MSG_INVAL_ALL_PIXMAPS)
                .toList();
        return relevant.subList(1, relevant.size()); // the first copy is the screen a client gets on connecting
    }

    @Test
    void anImageGoesOnceWithCacheMeThenFromTheCache() {
        connect(ImageEncoder.OFF, 1 << 20);
        draw(7, 0);
        draw(7, 16);
        List<Sent> s = sent();
        assertEquals(2, s.size());
        assertEquals(List.of(7L, (long) DisplayMessages.IMAGE_BITMAP, (long) DisplayMessages.IMAGE_CACHE_ME),
                List.of(s.get(0).image()[0], s.get(0).image()[1], s.get(0).image()[2]));
        assertEquals(List.of(7L, (long) DisplayMessages.IMAGE_FROM_CACHE, 0L),
                List.of(s.get(1).image()[0], s.get(1).image()[1], s.get(1).image()[2]));
    }

    @Test
    void compressedImagesAreCachedToo() {
        connect(ImageEncoder.LZ, 1 << 20);
        draw(9, 0);
        draw(9, 16);
        List<Sent> s = sent();
        assertEquals(ImageEncoder.IMAGE_LZ_RGB, s.get(0).image()[1]);
        assertEquals(DisplayMessages.IMAGE_CACHE_ME, s.get(0).image()[2]);
        assertEquals(DisplayMessages.IMAGE_FROM_CACHE, s.get(1).image()[1]);
    }

    @Test
    void aFullCacheInvalidatesTheOldestBeforeTheDrawThatReplacesIt() {
        connect(ImageEncoder.OFF, 100); // room for one 8x8 image
        draw(1, 0);
        draw(2, 16);
        draw(1, 32);
        List<Sent> s = sent();
        assertEquals(List.of(DisplayMessages.MSG_DRAW_COPY, DisplayMessages.MSG_INVAL_LIST,
                DisplayMessages.MSG_DRAW_COPY, DisplayMessages.MSG_INVAL_LIST, DisplayMessages.MSG_DRAW_COPY),
                s.stream().map(Sent::type).toList());
        assertEquals(1, s.get(1).body().getShort(0));
        assertEquals(DisplayMessages.RESOURCE_PIXMAP, s.get(1).body().get(2));
        assertEquals(1L, s.get(1).body().getLong(3));
        assertEquals(DisplayMessages.IMAGE_CACHE_ME, s.get(4).image()[2], "1 is sent again, not from the cache");
        assertEquals(DisplayMessages.IMAGE_BITMAP, s.get(4).image()[1]);
    }

    @Test
    void aGuestImageCacheResetMakesTheClientDropEverythingFirst() {
        connect(ImageEncoder.OFF, 1 << 20);
        draw(5, 0);
        ((DisplayChannelClient) run.client()).resetPixmaps();
        draw(5, 16);
        List<Sent> s = sent();
        assertEquals(List.of(DisplayMessages.MSG_DRAW_COPY, DisplayMessages.MSG_INVAL_ALL_PIXMAPS,
                DisplayMessages.MSG_DRAW_COPY), s.stream().map(Sent::type).toList());
        assertEquals(DisplayMessages.IMAGE_BITMAP, s.get(2).image()[1]);
        assertEquals(DisplayMessages.IMAGE_CACHE_ME, s.get(2).image()[2]);
    }

    @Test
    void aCroppedOrUnmarkedImageIsNeverCached() {
        connect(ImageEncoder.OFF, 1 << 20);
        Bitmap plain = Bitmap.of(8, 8, new int[64], false);
        for (int x : new int[] {0, 16}) {
            display.draw(new Drawable(0, 0, new Rect(0, x, 8, x + 8), null, new DrawOp.Copy(plain,
                    Rect.ofSize(8, 8), DrawOp.ROPD_OP_PUT, 1, Mask.NONE, false), 0), display.pixels().lease());
        }
        List<Sent> s = sent();
        assertEquals(0L, s.get(1).image()[0]);
        assertEquals(0L, s.get(1).image()[2]);
        assertEquals(DisplayMessages.IMAGE_BITMAP, s.get(1).image()[1]);
    }
}
