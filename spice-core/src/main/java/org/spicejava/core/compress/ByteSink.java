package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Bytes written into a segment sized by the caller for the worst case, so encoders never grow or copy. The
 * encoders here bound their output before they start (see {@link LzStream#worstCase}).
 */
final class ByteSink {
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment out;
    private long at;

    ByteSink(MemorySegment out) {
        this.out = out;
    }

    void u8(int v) {
        out.set(ValueLayout.JAVA_BYTE, at++, (byte) v);
    }

    /**
     * The blue, green and red bytes of {@code count} pixels from pixel {@code from} of {@code pixels} (0xAARRGGBB
     * little-endian). Each pixel is stored as its whole word, and the next one overwrites the spare byte: one store
     * instead of three where the segment has that byte to spare.
     */
    void bgr(MemorySegment pixels, int from, int count) {
        long pos = at;
        int k = from;
        int end = from + count;
        long wordsUpTo = out.byteSize() - 4; // a word stored at pos must end inside the segment
        for (; k < end && pos <= wordsUpTo; k++, pos += 3) {
            out.set(INT_LE, pos, pixels.get(INT_LE, 4L * k));
        }
        for (; k < end; k++) {
            int p = pixels.get(INT_LE, 4L * k);
            out.set(ValueLayout.JAVA_BYTE, pos++, (byte) p);
            out.set(ValueLayout.JAVA_BYTE, pos++, (byte) (p >>> 8));
            out.set(ValueLayout.JAVA_BYTE, pos++, (byte) (p >>> 16));
        }
        at = pos;
    }

    void u32be(int v) {
        u8(v >>> 24);
        u8(v >>> 16);
        u8(v >>> 8);
        u8(v);
    }

    /** A 32-bit word in little-endian order, as QUIC's word stream stores them. */
    void u32le(int v) {
        out.set(INT_LE, at, v);
        at += 4;
    }

    /** {@code count} 32-bit words in little-endian order. */
    void u32le(int[] words, int count) {
        MemorySegment.copy(words, 0, out, INT_LE, at, count);
        at += 4L * count;
    }

    void u64be(long v) {
        u32be((int) (v >>> 32));
        u32be((int) v);
    }

    long position() {
        return at;
    }

    /** What was written. */
    MemorySegment written() {
        return out.asSlice(0, at);
    }
}
