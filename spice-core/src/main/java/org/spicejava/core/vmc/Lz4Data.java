package org.spicejava.core.vmc;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;

import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

import org.spicejava.core.compress.Lz4Codec;
import org.spicejava.core.compress.Lz4Codecs;

/**
 * The LZ4 blocks of COMPRESSED_DATA (one raw LZ4 block, as LZ4_compress_default / LZ4_decompress_safe make and
 * take them). Compressed with the process's {@link Lz4Codecs} codec (liblz4 when the host supplied it, as the
 * reference's LZ4_compress_default), decompressed with lz4-java's safe decoder. Stateless; any thread.
 */
final class Lz4Data {
    private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.safeInstance().safeDecompressor();

    private Lz4Data() {
    }

    /** The compressed block, or null when it would not be smaller (the reference then sends DATA). */
    static byte[] compress(byte[] data) {
        byte[] out = new byte[Lz4Codec.maxBlockSize(data.length)];
        int n = Lz4Codecs.inUse().compress(MemorySegment.ofArray(data), MemorySegment.ofArray(out));
        if (n <= 0 || n >= data.length) {
            return null;
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Decompresses {@code src} (position to limit) into exactly {@code size} bytes; null when the block is broken
     * or decompresses to any other size (the reference's "Decompression Error").
     */
    static byte[] decompress(ByteBuffer src, int size) {
        byte[] out = new byte[size];
        try {
            int n = DECOMPRESSOR.decompress(src, src.position(), src.remaining(), ByteBuffer.wrap(out), 0, size);
            return n == size ? out : null;
        } catch (LZ4Exception | IllegalArgumentException | IndexOutOfBoundsException e) {
            return null;
        }
    }
}
