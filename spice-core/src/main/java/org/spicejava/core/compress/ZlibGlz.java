package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * ZLIB_GLZ_RGB (image type 107): a GLZ_RGB payload deflated once more, for slow links. The client inflates it
 * (zlib format) to glz_data_size bytes and decodes the GLZ image from those. As in the reference, payloads under {@link #MIN_GLZ_SIZE} bytes are left alone, and the wrap is kept only when it is smaller. One
 * instance per thread (it keeps its deflater between images).
 */
public final class ZlibGlz implements AutoCloseable {
    /**
     * Deflate level 6, not the reference's 3: the link is the bottleneck here. Measured through an 8 Mbit/s link on
     * scrolling text (scripts/bench-compression, same run as the reference): level 3 delivered 0.87x the reference's
     * pixels per second, 6 gave 0.97x, 9 cost more CPU than it saved bytes (0.96x). With the FILTERED strategy
     * (more of the literal and match bytes left to the Huffman codes), through that link and in later runs where
     * level 6 alone gave 0.96x: text 1% fewer bytes per megapixel (0.97x the reference's pixels per second), the
     * desktop 1-3% more but still 0.75x the reference's bytes and at its frame rate; deflate time the same.
     */
    public static final int LEVEL = 6;
    /** MIN_GLZ_SIZE_FOR_ZLIB: smaller GLZ payloads are sent as they are. */
    public static final long MIN_GLZ_SIZE = 100;

    private Deflater deflater;

    /**
     * The zlib stream of {@code glz} in memory from {@code alloc}, or null when {@code glz} is too small to bother
     * or its stream would not be smaller than it.
     */
    public MemorySegment wrap(MemorySegment glz, SegmentAllocator alloc) {
        long size = glz.byteSize();
        if (size < MIN_GLZ_SIZE || size > Integer.MAX_VALUE) {
            return null;
        }
        if (deflater == null) {
            deflater = new Deflater(LEVEL);
            deflater.setStrategy(Deflater.FILTERED);
        }
        deflater.reset();
        deflater.setInput(glz.asByteBuffer());
        deflater.finish();
        // Room for one byte less than the input: a stream that does not fit there is not worth sending.
        MemorySegment out = alloc.allocate(size - 1, 8);
        ByteBuffer target = out.asByteBuffer();
        while (!deflater.finished() && target.hasRemaining()) {
            deflater.deflate(target);
        }
        if (!deflater.finished()) {
            return null;
        }
        return out.asSlice(0, target.position());
    }

    @Override
    public void close() {
        if (deflater != null) {
            deflater.end();
            deflater = null;
        }
    }
}
