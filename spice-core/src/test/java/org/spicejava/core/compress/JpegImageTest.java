package org.spicejava.core.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.spicejava.core.display.draw.Bitmap;

/**
 * JPEG and JPEG_ALPHA payloads with the JDK's JPEG writer ({@link ImageIoJpeg}; the server's encoder comes from
 * spice-ffi): the JPEG part
 * is the encoder's output, the alpha part an LZ XXXA image that decodes to the original alpha.
 */
class JpegImageTest {
    /** A gradient with a translucent disc: colour for the JPEG, alpha with runs and edges for LZ. */
    static Bitmap translucent(int width, int height) {
        int[] px = new int[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int dx = x - width / 2;
                int dy = y - height / 2;
                int alpha = dx * dx + dy * dy < width * width / 9 ? 0x80 : x < width / 4 ? 0 : 0xFF;
                px[y * width + x] = alpha << 24 | (x * 255 / width) << 16 | (y * 255 / height) << 8 | 0x40;
            }
        }
        return Bitmap.of(width, height, px, true);
    }

    private static int[] decodeJpeg(byte[] jpeg) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(jpeg));
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    @Test
    void jpegAlphaIsTheJpegThenTheAlphaPlane() throws IOException {
        Bitmap b = translucent(96, 64);
        JpegEncoder encoder = new ImageIoJpeg();
        try (Arena arena = Arena.ofConfined()) {
            JpegImage.WithAlpha image = JpegImage.jpegAlpha(b, encoder, JpegImage.QUALITY, arena);
            assertNotNull(image);
            byte[] payload = image.payload().toArray(ValueLayout.JAVA_BYTE);
            byte[] jpeg = Arrays.copyOf(payload, (int) image.jpegSize());
            assertEquals(-1, MemorySegment.ofArray(jpeg).mismatch(encoder.encode(b, JpegImage.QUALITY, arena)),
                    "the JPEG part is the encoder's output");
            int[] colour = decodeJpeg(jpeg);
            assertEquals(b.width() * b.height(), colour.length);
            byte[] alpha = Arrays.copyOfRange(payload, (int) image.jpegSize(), payload.length);
            LzTestDecoder.Decoded decoded = LzTestDecoder.alphaPlane(alpha);
            assertEquals(b.width(), decoded.width());
            assertEquals(b.height(), decoded.height());
            int[] original = b.toArray();
            for (int i = 0; i < original.length; i++) {
                assertEquals(original[i] >>> 24, decoded.pixels()[i] >>> 24, "alpha of pixel " + i);
            }
            assertTrue(payload.length < 4 * original.length);
        }
    }

    @Test
    void jpegIsTheEncodersOutputAndALargerOneIsRefused() {
        Bitmap b = translucent(32, 32);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment jpeg = JpegImage.jpeg(b, new ImageIoJpeg(), 85, arena);
            assertNotNull(jpeg);
            assertEquals(0xFF, Byte.toUnsignedInt(jpeg.get(ValueLayout.JAVA_BYTE, 0)));
            JpegEncoder bloated = new ImageIoJpeg() {
                @Override
                public long encode(Bitmap image, int quality, MemorySegment dest) {
                    return 4L * image.width() * image.height() + 1;
                }
            };
            assertNull(JpegImage.jpeg(b, bloated, 85, arena), "larger than raw: the reference sends it raw");
            assertNull(JpegImage.jpegAlpha(b, bloated, 85, arena));
            JpegEncoder failing = new ImageIoJpeg() {
                @Override
                public long encode(Bitmap image, int quality, MemorySegment dest) {
                    return -1;
                }
            };
            assertNull(JpegImage.jpeg(b, failing, 85, arena));
            assertNull(JpegImage.jpegAlpha(b, failing, 85, arena));
        }
    }
}
