package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;

/**
 * LZ4 block compression, in the two ways the reference calls liblz4. Blocks are raw LZ4 blocks (no frame), so any
 * LZ4 block decoder reads them; which encoder made one changes only its size. spice-core's own codec is
 * {@link JavaLz4}; the host side may supply liblz4 through {@link Lz4Codecs#use}. Implementations are thread-safe.
 */
public interface Lz4Codec {
    /** LZ4_MAX_INPUT_SIZE (lz4.h): longer input is refused. */
    int MAX_INPUT = 0x7E000000;

    /**
     * The room a block of {@code length} input bytes may need, 0 when the input is too long: lz4.h's
     * LZ4_COMPRESSBOUND, {@code length + length / 255 + 16}.
     */
    static int maxBlockSize(int length) {
        return length < 0 || length > MAX_INPUT ? 0 : length + length / 255 + 16;
    }

    /**
     * One independent block, as LZ4_compress_default makes it (the spicevmc channels' COMPRESSED_DATA), into the
     * start of {@code dest}. Returns the block's size, or -1 when it does not fit {@code dest} or the codec failed.
     */
    int compress(MemorySegment src, MemorySegment dest);

    /**
     * The first block of a new LZ4 stream, as LZ4_compress_fast_continue makes it at acceleration 1 on a fresh
     * LZ4_stream_t (an LZ4 image's block). Returns the block's size, or -1 as {@link #compress}.
     */
    int compressStreamStart(MemorySegment src, MemorySegment dest);
}
