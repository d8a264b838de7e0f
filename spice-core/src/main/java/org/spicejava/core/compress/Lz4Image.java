package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

import org.spicejava.core.display.draw.Bitmap;

/**
 * LZ4 image payloads (image type LZ4, for clients with the LZ4 display capability): u8 top-down, u8 bitmap format
 * (32BIT or RGBA), then LZ4 blocks, each a big-endian u32 size and a raw block; the rows are packed. One block
 * holds the whole image. The pure-Java codec is used, so nothing native is loaded into the host.
 */
public final class Lz4Image {
    private static final LZ4Compressor COMPRESSOR = LZ4Factory.safeInstance().fastCompressor();
    private static final ValueLayout.OfInt U32_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** SpiceBitmapFmt values the client's LZ4 decoder takes. */
    static final int FORMAT_32BIT = 8;
    static final int FORMAT_RGBA = 9;
    static final int HEADER = 2 + 4;

    private Lz4Image() {
    }

    public static MemorySegment encode(Bitmap b, SegmentAllocator alloc) {
        int raw = Math.toIntExact(4L * b.width() * b.height());
        int max = COMPRESSOR.maxCompressedLength(raw);
        MemorySegment out = alloc.allocate(HEADER + (long) max, 8);
        out.set(ValueLayout.JAVA_BYTE, 0, (byte) 1); // top-down
        out.set(ValueLayout.JAVA_BYTE, 1, (byte) (b.alpha() ? FORMAT_RGBA : FORMAT_32BIT));
        int size = COMPRESSOR.compress(b.pixels().asByteBuffer(), 0, raw, out.asSlice(HEADER).asByteBuffer(), 0,
                max);
        out.set(U32_BE, 2, size);
        return out.asSlice(0, HEADER + (long) size);
    }
}
