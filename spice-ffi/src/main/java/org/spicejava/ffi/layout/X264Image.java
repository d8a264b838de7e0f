package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code x264_image_t} (x264.h, X264_BUILD 164): the planes of a picture handed to x264, inside
 * {@link X264Picture}. Proven against the installed header by X264LayoutTest.
 */
public final class X264Image {
    /** Entries of i_stride and plane. */
    public static final int PLANES = 4;
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("i_csp"),
            JAVA_INT.withName("i_plane"),
            MemoryLayout.sequenceLayout(PLANES, JAVA_INT).withName("i_stride"),
            MemoryLayout.sequenceLayout(PLANES, ADDRESS).withName("plane")).withName("x264_image_t");
    public static final long i_csp$OFFSET = 0;
    public static final long i_plane$OFFSET = 4;
    public static final long i_stride$OFFSET = 8;
    public static final long plane$OFFSET = 24;

    private X264Image() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int i_csp(MemorySegment struct) {
        return struct.get(JAVA_INT, i_csp$OFFSET);
    }

    public static void i_csp(MemorySegment struct, int value) {
        struct.set(JAVA_INT, i_csp$OFFSET, value);
    }

    public static int i_plane(MemorySegment struct) {
        return struct.get(JAVA_INT, i_plane$OFFSET);
    }

    public static void i_plane(MemorySegment struct, int value) {
        struct.set(JAVA_INT, i_plane$OFFSET, value);
    }

    public static int i_stride(MemorySegment struct, int index) {
        return struct.get(JAVA_INT, i_stride$OFFSET + JAVA_INT.byteSize() * index);
    }

    public static void i_stride(MemorySegment struct, int index, int value) {
        struct.set(JAVA_INT, i_stride$OFFSET + JAVA_INT.byteSize() * index, value);
    }

    public static MemorySegment plane(MemorySegment struct, int index) {
        return Pointers.get(struct, plane$OFFSET + ADDRESS.byteSize() * index);
    }

    public static void plane(MemorySegment struct, int index, MemorySegment value) {
        Pointers.set(struct, plane$OFFSET + ADDRESS.byteSize() * index, value);
    }
}
