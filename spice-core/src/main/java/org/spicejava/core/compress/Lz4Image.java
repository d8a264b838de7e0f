package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.spicejava.core.display.draw.Bitmap;

/**
 * LZ4 image payloads (image type LZ4, for clients with the LZ4 display capability), made as the reference makes
 * them. What we rely on, from its lz4_encode and spice-common's canvas_get_lz4 (the client's decoder):
 * <ul>
 * <li>u8 top-down flag, u8 SpiceBitmapFmt, then blocks until the payload ends, each a big-endian u32 size and a raw
 *     LZ4 block. The decoder runs one LZ4_streamDecode_t over them into the surface, so a block may refer back into
 *     earlier ones, and expects packed rows (width times bytes per pixel), stretching them to its stride after;</li>
 * <li>the reference opens one LZ4_stream_t per image and compresses one block per QXL data chunk with
 *     LZ4_compress_fast_continue at acceleration 1, no size limit on a block. A QXL_BITMAP_DIRECT bitmap, and any
 *     bitmap it linearized, is one chunk, so one block as the first of a fresh stream;</li>
 * <li>an encoding larger than the raw bitmap is dropped and the bitmap goes raw (the caller's check).</li>
 * </ul>
 * Our bitmaps are already linearized into top-down 32-bit rows, so an image is always one block of a fresh stream
 * (where the reference would split a many-chunk bitmap, our one block is never larger). With liblz4 in
 * {@link Lz4Codecs} the block is byte for byte the reference's on the same pixels.
 */
public final class Lz4Image {
    private static final ValueLayout.OfInt U32_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** SpiceBitmapFmt values the client's LZ4 decoder takes. */
    static final int FORMAT_32BIT = 8;
    static final int FORMAT_RGBA = 9;
    static final int HEADER = 2 + 4;

    private Lz4Image() {
    }

    /** The payload, in memory from {@code alloc}; null when the codec failed (the image then goes raw). */
    public static MemorySegment encode(Bitmap b, SegmentAllocator alloc) {
        return encode(b, alloc, Lz4Codecs.inUse());
    }

    /** As above with {@code codec} (benchmarks compare codecs). */
    public static MemorySegment encode(Bitmap b, SegmentAllocator alloc, Lz4Codec codec) {
        int max = Lz4Codec.maxBlockSize(Math.toIntExact(4L * b.width() * b.height()));
        MemorySegment out = alloc.allocate(HEADER + (long) max, 8);
        out.set(ValueLayout.JAVA_BYTE, 0, (byte) 1); // top-down
        out.set(ValueLayout.JAVA_BYTE, 1, (byte) (b.alpha() ? FORMAT_RGBA : FORMAT_32BIT));
        int size = codec.compressStreamStart(b.pixels(), out.asSlice(HEADER, max));
        if (size <= 0) {
            return null;
        }
        out.set(U32_BE, 2, size);
        return out.asSlice(0, HEADER + (long) size);
    }
}
