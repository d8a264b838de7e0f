package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;

/**
 * LZ4 through lz4-java's pure-Java fast compressor: the codec used when liblz4 is not there. It follows an older
 * liblz4's compressor, so its blocks are valid but not liblz4 1.9's: measured against the reference (scripts/bench-compression),
 * 1.18x the bytes on console text, 1.47x on a desktop, 0.93x on a noisy photo, at 2.1-2.6x its CPU per frame. A
 * block of it serves both of {@link Lz4Codec}'s calls. Stateless; any thread.
 */
public final class JavaLz4 implements Lz4Codec {
    public static final JavaLz4 INSTANCE = new JavaLz4();
    private static final LZ4Compressor COMPRESSOR = LZ4Factory.safeInstance().fastCompressor();

    private JavaLz4() {
    }

    @Override
    public int compress(MemorySegment src, MemorySegment dest) {
        if (src.byteSize() > MAX_INPUT || dest.byteSize() > Integer.MAX_VALUE) {
            return -1;
        }
        try {
            // asByteBuffer: a view, no copy, for native memory and byte[]-backed heap segments alike
            return COMPRESSOR.compress(src.asByteBuffer(), 0, (int) src.byteSize(), dest.asByteBuffer(), 0,
                    (int) dest.byteSize());
        } catch (LZ4Exception e) {
            return -1; // no room in dest
        }
    }

    @Override
    public int compressStreamStart(MemorySegment src, MemorySegment dest) {
        return compress(src, dest);
    }
}
