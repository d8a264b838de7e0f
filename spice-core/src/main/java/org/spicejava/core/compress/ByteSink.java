package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Bytes written into a segment sized by the caller for the worst case, so encoders never grow or copy. The
 * encoders here bound their output before they start (see {@link LzStream#worstCase}).
 */
final class ByteSink {
    private final MemorySegment out;
    private long at;

    ByteSink(MemorySegment out) {
        this.out = out;
    }

    void u8(int v) {
        out.set(ValueLayout.JAVA_BYTE, at++, (byte) v);
    }

    void u32be(int v) {
        u8(v >>> 24);
        u8(v >>> 16);
        u8(v >>> 8);
        u8(v);
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
