package org.spicejava.core.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.zip.Inflater;

import org.junit.jupiter.api.Test;
import org.spicejava.core.display.draw.Bitmap;

/** ZLIB_GLZ_RGB: the zlib stream inflates back to the GLZ payload, and only a smaller wrap is kept. */
class ZlibGlzTest {
    static byte[] inflate(MemorySegment zlib, int size) throws Exception {
        Inflater inflater = new Inflater(); // zlib format, as the client's decoder reads it
        inflater.setInput(zlib.toArray(ValueLayout.JAVA_BYTE));
        byte[] out = new byte[size];
        int n = inflater.inflate(out);
        assertTrue(inflater.finished(), "one complete zlib stream");
        assertEquals(size, n);
        inflater.end();
        return out;
    }

    private static Bitmap console(int width, int height) {
        return TestImages.console(width, height);
    }

    @Test
    void theStreamInflatesToTheGlzPayload() throws Exception {
        try (Arena arena = Arena.ofConfined(); ZlibGlz zlib = new ZlibGlz()) {
            Bitmap b = console(320, 64);
            MemorySegment glz = LzImage.glz(b, 3, arena);
            MemorySegment wrapped = zlib.wrap(glz, arena);
            assertNotNull(wrapped);
            assertTrue(wrapped.byteSize() < glz.byteSize(), wrapped.byteSize() + " of " + glz.byteSize());
            byte[] inflated = inflate(wrapped, (int) glz.byteSize());
            assertArrayEquals(glz.toArray(ValueLayout.JAVA_BYTE), inflated);
            assertArrayEquals(b.toArray(), LzTestDecoder.glz(inflated).pixels());
            // The deflater is reused: a second image wraps as well, from a fresh stream.
            MemorySegment again = zlib.wrap(glz, arena);
            assertEquals(-1, again.mismatch(wrapped), "each image is a stream of its own");
        }
    }

    @Test
    void smallOrIncompressiblePayloadsStayGlz() {
        try (Arena arena = Arena.ofConfined(); ZlibGlz zlib = new ZlibGlz()) {
            assertNull(zlib.wrap(arena.allocate(ZlibGlz.MIN_GLZ_SIZE - 1), arena), "under 100 bytes");
            assertNotNull(zlib.wrap(arena.allocate(ZlibGlz.MIN_GLZ_SIZE), arena), "100 zero bytes deflate");
            byte[] noise = new byte[4096];
            new Random(1).nextBytes(noise);
            assertNull(zlib.wrap(MemorySegment.ofArray(noise), arena), "random bytes do not get smaller");
        }
    }
}
