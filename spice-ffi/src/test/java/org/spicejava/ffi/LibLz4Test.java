package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import net.jpountz.lz4.LZ4Factory;

import org.junit.jupiter.api.Test;
import org.spicejava.core.compress.JavaLz4;
import org.spicejava.core.compress.Lz4Codec;
import org.spicejava.core.compress.Lz4Codecs;
import org.spicejava.core.compress.Lz4Image;
import org.spicejava.core.display.draw.Bitmap;

/**
 * The liblz4 binding: its blocks decode with lz4-java's decoder and with liblz4's own (the client's), from native
 * and heap memory; they are no larger than lz4-java's on screen content; a missing library falls back to lz4-java.
 */
class LibLz4Test {
    private static final SymbolLookup LIB = SymbolLookup.libraryLookup(LibLz4.LIBRARY, Arena.global());
    // int LZ4_decompress_safe(const char *src, char *dst, int compressedSize, int dstCapacity)
    private static final MethodHandle DECOMPRESS = bind("LZ4_decompress_safe", FunctionDescriptor.of(
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT));
    private static final MethodHandle BOUND = bind("LZ4_compressBound",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private static MethodHandle bind(String name, FunctionDescriptor d) {
        return Native.LINKER.downcallHandle(LIB.find(name).orElseThrow(), d);
    }

    /** Glyph-like cells on a dark console, 32-bit pixels with a zero padding byte. */
    static byte[] console(int width, int height) {
        byte[] px = new byte[4 * width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                boolean ink = x % 8 < 6 && y % 16 > 3 && y % 16 < 14 && (x * 7 + y * 13 + (x / 8) * (y / 16)) % 5 < 2;
                int i = 4 * (y * width + x);
                px[i] = px[i + 1] = px[i + 2] = (byte) (ink ? 0xC0 : 0);
            }
        }
        return px;
    }

    private static byte[] block(Lz4Codec codec, byte[] input, boolean stream) {
        byte[] out = new byte[Lz4Codec.maxBlockSize(input.length)];
        int n = stream ? codec.compressStreamStart(MemorySegment.ofArray(input), MemorySegment.ofArray(out))
                : codec.compress(MemorySegment.ofArray(input), MemorySegment.ofArray(out));
        assertTrue(n > 0, "block of " + input.length + " bytes");
        return Arrays.copyOf(out, n);
    }

    private static byte[] nativeDecode(byte[] block, int size) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(block.length).copyFrom(MemorySegment.ofArray(block));
            MemorySegment out = arena.allocate(size + 1);
            assertEquals(size, (int) DECOMPRESS.invokeExact(in, out, block.length, size + 1));
            return out.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Test
    void blocksDecodeWithBothDecoders() throws Throwable {
        LibLz4 codec = new LibLz4(LibLz4.LIBRARY);
        assertTrue(codec.isNative());
        Random random = new Random(7);
        for (int size : new int[] {1, 13, 4096, 70_000, 1 << 20}) {
            byte[] input = size < 4096 ? new byte[size] : console(size / 64, 16);
            for (int i = 0; i < input.length; i += 97) {
                input[i] = (byte) random.nextInt();
            }
            for (boolean stream : new boolean[] {false, true}) {
                byte[] b = block(codec, input, stream);
                assertArrayEquals(input, LZ4Factory.safeInstance().safeDecompressor().decompress(b, input.length));
                assertArrayEquals(input, nativeDecode(b, input.length));
            }
        }
    }

    @Test
    void nativeAndHeapMemoryGiveTheSameBlock() {
        LibLz4 codec = new LibLz4(LibLz4.LIBRARY);
        byte[] input = console(640, 48);
        byte[] heap = block(codec, input, true);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(input.length).copyFrom(MemorySegment.ofArray(input));
            MemorySegment out = arena.allocate(Lz4Codec.maxBlockSize(input.length));
            int n = codec.compressStreamStart(in, out);
            assertArrayEquals(heap, out.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void noLargerThanLz4JavasOnScreenContent() {
        LibLz4 codec = new LibLz4(LibLz4.LIBRARY);
        byte[] input = console(1920, 1080);
        int ours = block(codec, input, true).length;
        int java = block(JavaLz4.INSTANCE, input, true).length;
        System.out.printf("console 1920x1080: liblz4 %d bytes, lz4-java %d (%.2fx)%n", ours, java,
                java / (double) ours);
        assertTrue(ours <= java, ours + " > " + java);
    }

    @Test
    void boundIsTheLibrarys() throws Throwable {
        for (int size : new int[] {0, 1, 254, 255, 65_536, 8_294_400, Lz4Codec.MAX_INPUT, Lz4Codec.MAX_INPUT + 1}) {
            assertEquals((int) BOUND.invokeExact(size), Lz4Codec.maxBlockSize(size), "bound of " + size);
        }
    }

    @Test
    void refusesWhatDoesNotFit() {
        byte[] noise = new byte[4096];
        new Random(3).nextBytes(noise);
        LibLz4 codec = new LibLz4(LibLz4.LIBRARY);
        assertEquals(-1, codec.compress(MemorySegment.ofArray(noise), MemorySegment.ofArray(new byte[100])));
        assertEquals(-1, codec.compressStreamStart(MemorySegment.ofArray(noise), MemorySegment.ofArray(new byte[100])));
    }

    @Test
    void missingLibraryFallsBackToLz4Java() {
        LibLz4 codec = new LibLz4("liblz4-missing.so.9");
        assertFalse(codec.isNative());
        byte[] input = console(320, 32);
        assertArrayEquals(block(JavaLz4.INSTANCE, input, true), block(codec, input, true));
    }

    @Test
    void imagePayloadIsHeaderAndOneLiblz4Block() throws Throwable {
        byte[] pixels = console(800, 64);
        LibLz4 codec = new LibLz4(LibLz4.LIBRARY);
        Lz4Codecs.use(codec);
        try (Arena arena = Arena.ofConfined()) {
            Bitmap b = new Bitmap(800, 64, arena.allocate(pixels.length).copyFrom(MemorySegment.ofArray(pixels)),
                    false);
            byte[] payload = Lz4Image.encode(b, arena).toArray(ValueLayout.JAVA_BYTE);
            byte[] block = block(codec, pixels, true);
            assertEquals(1, payload[0], "top-down");
            assertEquals(8, payload[1], "SPICE_BITMAP_FMT_32BIT");
            assertEquals(block.length, ByteBuffer.wrap(payload, 2, 4).getInt(), "big-endian block size");
            assertArrayEquals(block, Arrays.copyOfRange(payload, 6, payload.length));
            assertArrayEquals(pixels, nativeDecode(block, pixels.length));
        } finally {
            Lz4Codecs.use(JavaLz4.INSTANCE);
        }
    }
}
