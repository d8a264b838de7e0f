package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code vpx_image_t} (libvpx's vpx/vpx_image.h): a picture's format, sizes and plane pointers, what an encoder
 * reads a frame from and a decoder returns one in. {@code planes} and {@code stride} are four-element arrays
 * indexed by VPX_PLANE_Y, _U, _V, _ALPHA. Proven against the installed header by VpxLayoutTest.
 */
public final class VpxImage {
    /** VPX_PLANE_Y, VPX_PLANE_U, VPX_PLANE_V. */
    public static final int PLANE_Y = 0;
    public static final int PLANE_U = 1;
    public static final int PLANE_V = 2;

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("fmt"),
            JAVA_INT.withName("cs"),
            JAVA_INT.withName("range"),
            JAVA_INT.withName("w"),
            JAVA_INT.withName("h"),
            JAVA_INT.withName("bit_depth"),
            JAVA_INT.withName("d_w"),
            JAVA_INT.withName("d_h"),
            JAVA_INT.withName("r_w"),
            JAVA_INT.withName("r_h"),
            JAVA_INT.withName("x_chroma_shift"),
            JAVA_INT.withName("y_chroma_shift"),
            MemoryLayout.sequenceLayout(4, ADDRESS).withName("planes"),
            MemoryLayout.sequenceLayout(4, JAVA_INT).withName("stride"),
            JAVA_INT.withName("bps"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("user_priv"),
            ADDRESS.withName("img_data"),
            JAVA_INT.withName("img_data_owner"),
            JAVA_INT.withName("self_allocd"),
            ADDRESS.withName("fb_priv")).withName("vpx_image_t");
    public static final long fmt$OFFSET = 0;
    public static final long cs$OFFSET = 4;
    public static final long range$OFFSET = 8;
    public static final long w$OFFSET = 12;
    public static final long h$OFFSET = 16;
    public static final long bit_depth$OFFSET = 20;
    public static final long d_w$OFFSET = 24;
    public static final long d_h$OFFSET = 28;
    public static final long x_chroma_shift$OFFSET = 40;
    public static final long y_chroma_shift$OFFSET = 44;
    public static final long planes$OFFSET = 48;
    public static final long stride$OFFSET = 80;
    public static final long bps$OFFSET = 96;

    private VpxImage() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int fmt(MemorySegment struct) {
        return struct.get(JAVA_INT, fmt$OFFSET);
    }

    public static void fmt(MemorySegment struct, int value) {
        struct.set(JAVA_INT, fmt$OFFSET, value);
    }

    public static int cs(MemorySegment struct) {
        return struct.get(JAVA_INT, cs$OFFSET);
    }

    public static void cs(MemorySegment struct, int value) {
        struct.set(JAVA_INT, cs$OFFSET, value);
    }

    public static int range(MemorySegment struct) {
        return struct.get(JAVA_INT, range$OFFSET);
    }

    public static void range(MemorySegment struct, int value) {
        struct.set(JAVA_INT, range$OFFSET, value);
    }

    public static int w(MemorySegment struct) {
        return struct.get(JAVA_INT, w$OFFSET);
    }

    public static void w(MemorySegment struct, int value) {
        struct.set(JAVA_INT, w$OFFSET, value);
    }

    public static int h(MemorySegment struct) {
        return struct.get(JAVA_INT, h$OFFSET);
    }

    public static void h(MemorySegment struct, int value) {
        struct.set(JAVA_INT, h$OFFSET, value);
    }

    public static int bit_depth(MemorySegment struct) {
        return struct.get(JAVA_INT, bit_depth$OFFSET);
    }

    public static void bit_depth(MemorySegment struct, int value) {
        struct.set(JAVA_INT, bit_depth$OFFSET, value);
    }

    public static int d_w(MemorySegment struct) {
        return struct.get(JAVA_INT, d_w$OFFSET);
    }

    public static void d_w(MemorySegment struct, int value) {
        struct.set(JAVA_INT, d_w$OFFSET, value);
    }

    public static int d_h(MemorySegment struct) {
        return struct.get(JAVA_INT, d_h$OFFSET);
    }

    public static void d_h(MemorySegment struct, int value) {
        struct.set(JAVA_INT, d_h$OFFSET, value);
    }

    public static int x_chroma_shift(MemorySegment struct) {
        return struct.get(JAVA_INT, x_chroma_shift$OFFSET);
    }

    public static void x_chroma_shift(MemorySegment struct, int value) {
        struct.set(JAVA_INT, x_chroma_shift$OFFSET, value);
    }

    public static int y_chroma_shift(MemorySegment struct) {
        return struct.get(JAVA_INT, y_chroma_shift$OFFSET);
    }

    public static void y_chroma_shift(MemorySegment struct, int value) {
        struct.set(JAVA_INT, y_chroma_shift$OFFSET, value);
    }

    /** {@code planes[plane]}. */
    public static MemorySegment planes(MemorySegment struct, int plane) {
        return Pointers.get(struct, planes$OFFSET + ADDRESS.byteSize() * plane);
    }

    public static void planes(MemorySegment struct, int plane, MemorySegment value) {
        Pointers.set(struct, planes$OFFSET + ADDRESS.byteSize() * plane, value);
    }

    /** {@code stride[plane]}. */
    public static int stride(MemorySegment struct, int plane) {
        return struct.get(JAVA_INT, stride$OFFSET + JAVA_INT.byteSize() * plane);
    }

    public static void stride(MemorySegment struct, int plane, int value) {
        struct.set(JAVA_INT, stride$OFFSET + JAVA_INT.byteSize() * plane, value);
    }

    public static int bps(MemorySegment struct) {
        return struct.get(JAVA_INT, bps$OFFSET);
    }

    public static void bps(MemorySegment struct, int value) {
        struct.set(JAVA_INT, bps$OFFSET, value);
    }
}
