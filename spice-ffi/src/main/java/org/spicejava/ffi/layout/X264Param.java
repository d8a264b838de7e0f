package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code x264_param_t} (x264.h, X264_BUILD 164): an encoder's settings. Most are set by name through
 * x264_param_parse; only what it has no name for is written here (the picture size and the timebase), so only the
 * leading block and the muxing block are named and the rest is padding of the right size. Proven against the
 * installed header by X264LayoutTest.
 */
public final class X264Param {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("cpu"),
            JAVA_INT.withName("i_threads"),
            JAVA_INT.withName("i_lookahead_threads"),
            JAVA_INT.withName("b_sliced_threads"),
            JAVA_INT.withName("b_deterministic"),
            JAVA_INT.withName("b_cpu_independent"),
            JAVA_INT.withName("i_sync_lookahead"),
            JAVA_INT.withName("i_width"),
            JAVA_INT.withName("i_height"),
            JAVA_INT.withName("i_csp"),
            JAVA_INT.withName("i_bitdepth"),
            JAVA_INT.withName("i_level_idc"),
            JAVA_INT.withName("i_frame_total"),
            JAVA_INT.withName("i_nal_hrd"),
            MemoryLayout.paddingLayout(840), // vui through i_alternative_transfer: set by name
            JAVA_INT.withName("b_aud"),
            JAVA_INT.withName("b_repeat_headers"),
            JAVA_INT.withName("b_annexb"),
            JAVA_INT.withName("i_sps_id"),
            JAVA_INT.withName("b_vfr_input"),
            JAVA_INT.withName("b_pulldown"),
            JAVA_INT.withName("i_fps_num"),
            JAVA_INT.withName("i_fps_den"),
            JAVA_INT.withName("i_timebase_num"),
            JAVA_INT.withName("i_timebase_den"),
            JAVA_INT.withName("b_tff"),
            MemoryLayout.paddingLayout(84)).withName("x264_param_t"); // b_pic_struct through opaque
    public static final long i_threads$OFFSET = 4;
    public static final long b_sliced_threads$OFFSET = 12;
    public static final long i_width$OFFSET = 28;
    public static final long i_height$OFFSET = 32;
    public static final long i_csp$OFFSET = 36;
    public static final long b_aud$OFFSET = 896;
    public static final long b_repeat_headers$OFFSET = 900;
    public static final long b_annexb$OFFSET = 904;
    public static final long b_vfr_input$OFFSET = 912;
    public static final long i_fps_num$OFFSET = 920;
    public static final long i_fps_den$OFFSET = 924;
    public static final long i_timebase_num$OFFSET = 928;
    public static final long i_timebase_den$OFFSET = 932;

    private X264Param() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int i_threads(MemorySegment struct) {
        return struct.get(JAVA_INT, i_threads$OFFSET);
    }

    public static int b_sliced_threads(MemorySegment struct) {
        return struct.get(JAVA_INT, b_sliced_threads$OFFSET);
    }

    public static int i_width(MemorySegment struct) {
        return struct.get(JAVA_INT, i_width$OFFSET);
    }

    public static void i_width(MemorySegment struct, int value) {
        struct.set(JAVA_INT, i_width$OFFSET, value);
    }

    public static int i_height(MemorySegment struct) {
        return struct.get(JAVA_INT, i_height$OFFSET);
    }

    public static void i_height(MemorySegment struct, int value) {
        struct.set(JAVA_INT, i_height$OFFSET, value);
    }

    public static int i_csp(MemorySegment struct) {
        return struct.get(JAVA_INT, i_csp$OFFSET);
    }

    public static int b_aud(MemorySegment struct) {
        return struct.get(JAVA_INT, b_aud$OFFSET);
    }

    public static int b_repeat_headers(MemorySegment struct) {
        return struct.get(JAVA_INT, b_repeat_headers$OFFSET);
    }

    public static int b_annexb(MemorySegment struct) {
        return struct.get(JAVA_INT, b_annexb$OFFSET);
    }

    public static int b_vfr_input(MemorySegment struct) {
        return struct.get(JAVA_INT, b_vfr_input$OFFSET);
    }

    public static int i_fps_num(MemorySegment struct) {
        return struct.get(JAVA_INT, i_fps_num$OFFSET);
    }

    public static int i_fps_den(MemorySegment struct) {
        return struct.get(JAVA_INT, i_fps_den$OFFSET);
    }

    public static int i_timebase_num(MemorySegment struct) {
        return struct.get(JAVA_INT, i_timebase_num$OFFSET);
    }

    public static void i_timebase_num(MemorySegment struct, int value) {
        struct.set(JAVA_INT, i_timebase_num$OFFSET, value);
    }

    public static int i_timebase_den(MemorySegment struct) {
        return struct.get(JAVA_INT, i_timebase_den$OFFSET);
    }

    public static void i_timebase_den(MemorySegment struct, int value) {
        struct.set(JAVA_INT, i_timebase_den$OFFSET, value);
    }
}
