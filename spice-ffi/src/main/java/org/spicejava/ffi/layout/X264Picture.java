package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code x264_picture_t} (x264.h, X264_BUILD 164): a picture in (type, timestamp, planes) and the encoded picture's
 * description out. The members we never touch (prop, hrd_timing, extra_sei: x264_picture_init clears them) are
 * opaque named paddings of their sizes. Proven against the installed header by X264LayoutTest.
 */
public final class X264Picture {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("i_type"),
            JAVA_INT.withName("i_qpplus1"),
            JAVA_INT.withName("i_pic_struct"),
            JAVA_INT.withName("b_keyframe"),
            JAVA_LONG.withName("i_pts"),
            JAVA_LONG.withName("i_dts"),
            ADDRESS.withName("param"),
            X264Image.LAYOUT.withName("img"),
            MemoryLayout.paddingLayout(80).withName("prop"), // x264_image_properties_t
            MemoryLayout.paddingLayout(32).withName("hrd_timing"), // x264_hrd_t
            MemoryLayout.paddingLayout(24).withName("extra_sei"), // x264_sei_t
            ADDRESS.withName("opaque")).withName("x264_picture_t");
    public static final long i_type$OFFSET = 0;
    public static final long i_qpplus1$OFFSET = 4;
    public static final long i_pic_struct$OFFSET = 8;
    public static final long b_keyframe$OFFSET = 12;
    public static final long i_pts$OFFSET = 16;
    public static final long i_dts$OFFSET = 24;
    public static final long param$OFFSET = 32;
    public static final long img$OFFSET = 40;
    public static final long opaque$OFFSET = 232;

    private X264Picture() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int i_type(MemorySegment struct) {
        return struct.get(JAVA_INT, i_type$OFFSET);
    }

    public static void i_type(MemorySegment struct, int value) {
        struct.set(JAVA_INT, i_type$OFFSET, value);
    }

    public static int b_keyframe(MemorySegment struct) {
        return struct.get(JAVA_INT, b_keyframe$OFFSET);
    }

    public static long i_pts(MemorySegment struct) {
        return struct.get(JAVA_LONG, i_pts$OFFSET);
    }

    public static void i_pts(MemorySegment struct, long value) {
        struct.set(JAVA_LONG, i_pts$OFFSET, value);
    }

    /** The embedded {@link X264Image}. */
    public static MemorySegment img(MemorySegment struct) {
        return struct.asSlice(img$OFFSET, X264Image.LAYOUT);
    }
}
