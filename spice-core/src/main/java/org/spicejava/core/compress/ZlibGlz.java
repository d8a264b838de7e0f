package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * ZLIB_GLZ_RGB (image type 107): a GLZ_RGB payload deflated once more, for slow links. The client inflates it
 * (zlib format) to glz_data_size bytes and decodes the GLZ image from those. As in the reference: deflate level 3,
 * payloads under {@link #MIN_GLZ_SIZE} bytes are left alone, and the wrap is kept only when it is smaller. One
 * instance per thread (it keeps its deflater between images).
 */
public final class ZlibGlz implements AutoCloseable {
    /** ZLIB_DEFAULT_COMPRESSION_LEVEL of the reference's image encoders. */
    public static final int LEVEL = 3;
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
