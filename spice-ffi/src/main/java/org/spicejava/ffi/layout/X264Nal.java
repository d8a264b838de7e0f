package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code x264_nal_t} (x264.h of libx264-dev, X264_BUILD 164): one NAL unit x264_encoder_encode returned, its payload
 * in the encoder's memory until the next call. Proven against the installed header by X264LayoutTest.
 */
public final class X264Nal {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("i_ref_idc"),
            JAVA_INT.withName("i_type"),
            JAVA_INT.withName("b_long_startcode"),
            JAVA_INT.withName("i_first_mb"),
            JAVA_INT.withName("i_last_mb"),
            JAVA_INT.withName("i_payload"),
            ADDRESS.withName("p_payload"),
            JAVA_INT.withName("i_padding"),
            MemoryLayout.paddingLayout(4)).withName("x264_nal_t");
    public static final long i_ref_idc$OFFSET = 0;
    public static final long i_type$OFFSET = 4;
    public static final long b_long_startcode$OFFSET = 8;
    public static final long i_first_mb$OFFSET = 12;
    public static final long i_last_mb$OFFSET = 16;
    public static final long i_payload$OFFSET = 20;
    public static final long p_payload$OFFSET = 24;
    public static final long i_padding$OFFSET = 32;

    private X264Nal() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    /** Element {@code index} of an array of these structs. */
    public static MemorySegment asSlice(MemorySegment array, long index) {
        return array.asSlice(LAYOUT.byteSize() * index, LAYOUT);
    }

    public static int i_ref_idc(MemorySegment struct) {
        return struct.get(JAVA_INT, i_ref_idc$OFFSET);
    }

    public static int i_type(MemorySegment struct) {
        return struct.get(JAVA_INT, i_type$OFFSET);
    }

    public static int b_long_startcode(MemorySegment struct) {
        return struct.get(JAVA_INT, b_long_startcode$OFFSET);
    }

    public static int i_first_mb(MemorySegment struct) {
        return struct.get(JAVA_INT, i_first_mb$OFFSET);
    }

    public static int i_last_mb(MemorySegment struct) {
        return struct.get(JAVA_INT, i_last_mb$OFFSET);
    }

    public static int i_payload(MemorySegment struct) {
        return struct.get(JAVA_INT, i_payload$OFFSET);
    }

    public static MemorySegment p_payload(MemorySegment struct) {
        return Pointers.get(struct, p_payload$OFFSET);
    }

    public static int i_padding(MemorySegment struct) {
        return struct.get(JAVA_INT, i_padding$OFFSET);
    }
}
