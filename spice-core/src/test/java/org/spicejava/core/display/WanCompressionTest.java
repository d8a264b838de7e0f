package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.Inflater;

import org.junit.jupiter.api.Test;
import org.spicejava.core.channel.NetworkEstimate;
import org.spicejava.core.compress.TestImages;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.compress.ImageIoJpeg;
import org.spicejava.core.compress.LzTestDecoder;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Rect;

/**
 * The WAN settings per client: zlib over GLZ (always, never, auto following the session's network test) on the
 * wire as ZLIB_GLZ_RGB, and when JPEG is allowed. Lossy codecs never replace the lossless choice here.
 */
class WanCompressionTest {
    private static final NetworkEstimate.Result SLOW = new NetworkEstimate.Result(30_000, 2_000_000);
    private static final NetworkEstimate.Result FAST = new NetworkEstimate.Result(300, 900_000_000);

    /** Console-like text: GLZ payloads of a few KiB that deflate still shrinks. */
    private static Bitmap console() {
        return TestImages.console(160, 48);
    }

    /** The image of a DRAW_COPY body (no clip): its type, the fields before data_size, and the data. */
    private record WireImage(int type, ByteBuffer fields, byte[] data) {
    }

    private static WireImage copied(Bitmap b, ImageEncoder encoder, Arena arena) {
        Drawable d = DisplayMessages.copy(0, Rect.ofSize(b.width(), b.height()), b, null).drawable();
        ByteBuffer body = DisplayMessages.draw(d, null, new DisplayMessages.Coding(encoder, ImageEncoder.AUTO_GLZ,
                arena, null)).body().order(ByteOrder.LITTLE_ENDIAN);
        int image = body.getInt(21);
        int type = Byte.toUnsignedInt(body.get(image + 8));
        int fieldBytes = type == ImageEncoder.IMAGE_ZLIB_GLZ_RGB ? 4 : 0;
        ByteBuffer fields = body.slice(image + 18, fieldBytes).order(ByteOrder.LITTLE_ENDIAN);
        int size = body.getInt(image + 18 + fieldBytes);
        byte[] data = new byte[size];
        body.get(image + 22 + fieldBytes, data);
        assertEquals(image + 22 + fieldBytes + size, body.limit(), "the payload ends the message");
        return new WireImage(type, fields, data);
    }

    private static byte[] inflate(byte[] zlib, int size) throws Exception {
        Inflater inflater = new Inflater();
        inflater.setInput(zlib);
        byte[] out = new byte[size];
        assertEquals(size, inflater.inflate(out));
        assertTrue(inflater.finished());
        inflater.end();
        return out;
    }

    @Test
    void zlibWrapsGlzAlwaysOrOnASlowLinkAndTheClientGetsTheSamePixels() throws Exception {
        NetworkEstimate network = new NetworkEstimate();
        ImageEncoder encoder = new ImageEncoder(new GlzWindow(), false, network, () -> null);
        encoder.glzWindow(1 << 20);
        Bitmap b = console();
        Map<Long, int[]> window = new HashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            encoder.wanCompression(WanCompression.NEVER, WanCompression.NEVER);
            WireImage plain = copied(b, encoder, arena);
            assertEquals(ImageEncoder.IMAGE_GLZ_RGB, plain.type());
            LzTestDecoder.glz(plain.data(), window);

            encoder.wanCompression(WanCompression.NEVER, WanCompression.ALWAYS);
            WireImage wrapped = copied(b, encoder, arena);
            assertEquals(ImageEncoder.IMAGE_ZLIB_GLZ_RGB, wrapped.type());
            int glzSize = wrapped.fields().getInt(0);
            assertTrue(wrapped.data().length < glzSize, wrapped.data().length + " of " + glzSize);
            LzTestDecoder.Decoded decoded = LzTestDecoder.glz(inflate(wrapped.data(), glzSize), window);
            assertEquals(1, decoded.imageId(), "the wrapped image keeps its place in the GLZ window");
            assertArrayEquals(b.toArray(), decoded.pixels());

            encoder.wanCompression(WanCompression.AUTO, WanCompression.AUTO);
            assertEquals(ImageEncoder.IMAGE_GLZ_RGB, copied(b, encoder, arena).type(), "no test result: fast");
            network.publish(FAST);
            assertEquals(ImageEncoder.IMAGE_GLZ_RGB, copied(b, encoder, arena).type());
            network.publish(SLOW);
            assertEquals(ImageEncoder.IMAGE_ZLIB_GLZ_RGB, copied(b, encoder, arena).type(), "low bandwidth");
            encoder.prefer(ImageEncoder.LZ);
            assertEquals(ImageEncoder.IMAGE_LZ_RGB, copied(b, encoder, arena).type(), "zlib wraps GLZ only");
        }
    }

    @Test
    void aSmallGlzImageIsNotWrapped() {
        ImageEncoder encoder = new ImageEncoder(new GlzWindow(), false);
        encoder.glzWindow(1 << 20);
        encoder.wanCompression(WanCompression.ALWAYS, WanCompression.ALWAYS);
        int[] flat = new int[16 * 16];
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(ImageEncoder.IMAGE_GLZ_RGB, copied(Bitmap.of(16, 16, flat, false), encoder, arena).type(),
                    "a GLZ payload under 100 bytes");
        }
    }

    @Test
    void jpegIsAllowedWhenItsSettingIsInForceAndACodecExists() {
        NetworkEstimate network = new NetworkEstimate();
        ImageEncoder none = new ImageEncoder(new GlzWindow(), false, network, () -> null);
        none.wanCompression(WanCompression.ALWAYS, WanCompression.ALWAYS);
        assertFalse(none.jpegAllowed(), "no codec on this host");
        ImageEncoder encoder = new ImageEncoder(new GlzWindow(), false, network, ImageIoJpeg::new);
        encoder.wanCompression(WanCompression.NEVER, WanCompression.ALWAYS);
        assertFalse(encoder.jpegAllowed());
        encoder.wanCompression(WanCompression.ALWAYS, WanCompression.NEVER);
        assertTrue(encoder.jpegAllowed());
        encoder.wanCompression(WanCompression.AUTO, WanCompression.NEVER);
        assertFalse(encoder.jpegAllowed(), "auto before the network test");
        network.publish(SLOW);
        assertTrue(encoder.jpegAllowed(), "auto on a slow link");
        encoder.wanCompression(7, WanCompression.NEVER);
        assertFalse(encoder.jpegAllowed(), "an unknown value is neither auto nor always, as in the reference");
    }

    @Test
    void jpegEncodingsAndTheLosslessChoiceStaysLossless() {
        ImageIoJpeg jpeg = new ImageIoJpeg();
        ImageEncoder encoder = new ImageEncoder(new GlzWindow(), false, new NetworkEstimate(), () -> jpeg);
        encoder.wanCompression(WanCompression.ALWAYS, WanCompression.NEVER);
        int[] px = new int[64 * 32];
        for (int i = 0; i < px.length; i++) {
            px[i] = (i % 64 * 4) << 16 | (i / 64 * 8) << 8 | 0x80;
        }
        try (Arena arena = Arena.ofConfined()) {
            Bitmap opaque = Bitmap.of(64, 32, px, false);
            ImageEncoder.Encoded e = encoder.encodeJpeg(opaque, arena);
            assertNotNull(e);
            assertEquals(ImageEncoder.IMAGE_JPEG, e.type());
            assertEquals(0, e.fields().length);

            int[] translucent = px.clone();
            for (int i = 0; i < translucent.length; i++) {
                translucent[i] |= (i % 3 == 0 ? 0x40 : 0xFF) << 24;
            }
            ImageEncoder.Encoded a = encoder.encodeJpeg(Bitmap.of(64, 32, translucent, true), arena);
            assertNotNull(a);
            assertEquals(ImageEncoder.IMAGE_JPEG_ALPHA, a.type());
            ByteBuffer fields = ByteBuffer.wrap(a.fields()).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(5, fields.remaining());
            assertEquals(1, fields.get(0), "TOP_DOWN");
            int jpegSize = fields.getInt(1);
            byte[] alpha = a.payload().asSlice(jpegSize).toArray(ValueLayout.JAVA_BYTE);
            int[] decoded = LzTestDecoder.alphaPlane(alpha).pixels();
            for (int i = 0; i < translucent.length; i++) {
                assertEquals(translucent[i] >>> 24, decoded[i] >>> 24);
            }

            int before = jpeg.encoded();
            assertEquals(ImageEncoder.IMAGE_QUIC, encoder.encode(opaque, ImageEncoder.AUTO_GLZ, arena, false).type(),
                    "an image that may not go lossy stays lossless");
            assertEquals(before, jpeg.encoded());
            ImageEncoder.Encoded photo = encoder.encode(opaque, ImageEncoder.AUTO_GLZ, arena, true);
            assertEquals(ImageEncoder.IMAGE_JPEG, photo.type(), "a photo-like source that may go lossy goes JPEG");
            assertTrue(photo.lossy());
            encoder.wanCompression(WanCompression.NEVER, WanCompression.NEVER);
            assertNull(encoder.encodeJpeg(opaque, arena));
        }
    }

    @Test
    void theWorkersEncoderIsOpenedOnlyWhenJpegIsConsidered() {
        int[] opened = {0};
        ImageIoJpeg encoder = new ImageIoJpeg();
        DisplayChannel display = new DisplayChannel(0, 4);
        display.useJpeg(() -> {
            opened[0]++;
            return encoder;
        });
        NetworkEstimate network = new NetworkEstimate();
        ImageEncoder images = new ImageEncoder(new GlzWindow(), false, network, display::jpeg);
        images.wanCompression(WanCompression.AUTO, WanCompression.AUTO);
        assertFalse(images.jpegAllowed());
        assertEquals(0, opened[0], "auto on a fast link never loads the codec");
        network.publish(SLOW);
        assertTrue(images.jpegAllowed());
        assertTrue(images.jpegAllowed());
        assertEquals(1, opened[0], "one encoder per worker, kept");

        DisplayChannel without = new DisplayChannel(1, 4);
        without.useJpeg(() -> {
            opened[0]++;
            return null; // the library turned out to be missing
        });
        assertNull(without.jpeg());
        assertNull(without.jpeg());
        assertEquals(2, opened[0], "a codec that is not there is asked once");
        display.closeJpeg();
    }
}
