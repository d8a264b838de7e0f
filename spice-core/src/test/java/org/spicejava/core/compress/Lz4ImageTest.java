package org.spicejava.core.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import net.jpountz.lz4.LZ4Factory;

import org.junit.jupiter.api.Test;
import org.spicejava.core.display.draw.Bitmap;

/** LZ4 payloads as the client reads them: header, one sized block, the packed pixels; lz4-java's codec. */
class Lz4ImageTest {
    private static int[] decode(byte[] payload, int width, int height) {
        ByteBuffer in = ByteBuffer.wrap(payload);
        assertEquals(1, in.get(), "top-down");
        int format = in.get();
        int size = in.getInt(); // big-endian
        assertEquals(payload.length, Lz4Image.HEADER + size, "one block, nothing after it");
        byte[] raw = new byte[4 * width * height];
        LZ4Factory.safeInstance().safeDecompressor().decompress(payload, Lz4Image.HEADER, size, raw, 0);
        int[] px = new int[width * height];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(px);
        assertEquals(format == Lz4Image.FORMAT_RGBA, format != Lz4Image.FORMAT_32BIT);
        return px;
    }

    @Test
    void roundTripsAndShrinksFlatContent() {
        Random random = new Random(5);
        try (Arena arena = Arena.ofConfined()) {
            for (int width : new int[] {1, 3, 17, 640}) {
                int[] noise = random.ints(width * 5).toArray();
                Bitmap b = Bitmap.of(width, 5, noise, true);
                assertArrayEquals(noise, decode(Lz4Image.encode(b, arena, JavaLz4.INSTANCE)
                        .toArray(ValueLayout.JAVA_BYTE), width, 5));
            }
            int[] flat = new int[640 * 480];
            Arrays.fill(flat, 0x336699);
            byte[] payload = Lz4Image.encode(Bitmap.of(640, 480, flat, false), arena, JavaLz4.INSTANCE)
                    .toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals(flat, decode(payload, 640, 480));
            assertTrue(payload.length < 640 * 480 * 4 / 100, payload.length + " bytes for a flat screen");
        }
    }

    @Test
    void javaCodecIsInUseUntilTheHostSuppliesOne() {
        assertEquals(JavaLz4.INSTANCE, Lz4Codecs.inUse());
    }

    @Test
    void aFailingCodecLeavesTheImageRaw() {
        Lz4Codec failing = new Lz4Codec() {
            @Override
            public int compress(MemorySegment src, MemorySegment dest) {
                return -1;
            }

            @Override
            public int compressStreamStart(MemorySegment src, MemorySegment dest) {
                return -1;
            }
        };
        try (Arena arena = Arena.ofConfined()) {
            assertNull(Lz4Image.encode(Bitmap.of(64, 64, new int[64 * 64], false), arena, failing));
        }
    }

    @Test
    void javaCodecRefusesWhatDoesNotFit() {
        byte[] noise = new byte[4096];
        new Random(3).nextBytes(noise);
        assertEquals(-1, JavaLz4.INSTANCE.compress(MemorySegment.ofArray(noise), MemorySegment.ofArray(new byte[100])));
        assertEquals(4096 + 4096 / 255 + 16, Lz4Codec.maxBlockSize(4096));
        assertEquals(0, Lz4Codec.maxBlockSize(Lz4Codec.MAX_INPUT + 1));
    }
}
