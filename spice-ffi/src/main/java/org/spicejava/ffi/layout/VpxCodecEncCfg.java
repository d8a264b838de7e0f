package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code vpx_codec_enc_cfg_t} (libvpx's vpx/vpx_encoder.h, encoder ABI 25 of libvpx 1.12): an encoder's
 * configuration, filled with the codec's defaults by vpx_codec_enc_config_default, then given to
 * vpx_codec_enc_init_ver and vpx_codec_enc_config_set (both copy it). Every member is laid out so VpxLayoutTest checks
 * every offset; accessors exist for the members spice-ffi reads or sets ({@code unsigned int} and enums as int,
 * {@code g_timebase} through {@link VpxRational} on {@link #g_timebase}).
 */
public final class VpxCodecEncCfg {
    /** VPX_SS_MAX_LAYERS, VPX_TS_MAX_LAYERS, VPX_TS_MAX_PERIODICITY, VPX_MAX_LAYERS: the lengths of the arrays. */
    public static final int SS_MAX_LAYERS = 5;
    public static final int TS_MAX_LAYERS = 5;
    public static final int TS_MAX_PERIODICITY = 16;
    public static final int MAX_LAYERS = 12;
    /** {@code vpx_fixed_buf_t}: a buffer and its size (the two-pass statistics, unused here). */
    public static final StructLayout FIXED_BUF = MemoryLayout.structLayout(
            ADDRESS.withName("buf"),
            JAVA_LONG.withName("sz"));

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("g_usage"),
            JAVA_INT.withName("g_threads"),
            JAVA_INT.withName("g_profile"),
            JAVA_INT.withName("g_w"),
            JAVA_INT.withName("g_h"),
            JAVA_INT.withName("g_bit_depth"),
            JAVA_INT.withName("g_input_bit_depth"),
            VpxRational.LAYOUT.withName("g_timebase"),
            JAVA_INT.withName("g_error_resilient"),
            JAVA_INT.withName("g_pass"),
            JAVA_INT.withName("g_lag_in_frames"),
            JAVA_INT.withName("rc_dropframe_thresh"),
            JAVA_INT.withName("rc_resize_allowed"),
            JAVA_INT.withName("rc_scaled_width"),
            JAVA_INT.withName("rc_scaled_height"),
            JAVA_INT.withName("rc_resize_up_thresh"),
            JAVA_INT.withName("rc_resize_down_thresh"),
            JAVA_INT.withName("rc_end_usage"),
            MemoryLayout.paddingLayout(4),
            FIXED_BUF.withName("rc_twopass_stats_in"),
            FIXED_BUF.withName("rc_firstpass_mb_stats_in"),
            JAVA_INT.withName("rc_target_bitrate"),
            JAVA_INT.withName("rc_min_quantizer"),
            JAVA_INT.withName("rc_max_quantizer"),
            JAVA_INT.withName("rc_undershoot_pct"),
            JAVA_INT.withName("rc_overshoot_pct"),
            JAVA_INT.withName("rc_buf_sz"),
            JAVA_INT.withName("rc_buf_initial_sz"),
            JAVA_INT.withName("rc_buf_optimal_sz"),
            JAVA_INT.withName("rc_2pass_vbr_bias_pct"),
            JAVA_INT.withName("rc_2pass_vbr_minsection_pct"),
            JAVA_INT.withName("rc_2pass_vbr_maxsection_pct"),
            JAVA_INT.withName("rc_2pass_vbr_corpus_complexity"),
            JAVA_INT.withName("kf_mode"),
            JAVA_INT.withName("kf_min_dist"),
            JAVA_INT.withName("kf_max_dist"),
            JAVA_INT.withName("ss_number_layers"),
            MemoryLayout.sequenceLayout(SS_MAX_LAYERS, JAVA_INT).withName("ss_enable_auto_alt_ref"),
            MemoryLayout.sequenceLayout(SS_MAX_LAYERS, JAVA_INT).withName("ss_target_bitrate"),
            JAVA_INT.withName("ts_number_layers"),
            MemoryLayout.sequenceLayout(TS_MAX_LAYERS, JAVA_INT).withName("ts_target_bitrate"),
            MemoryLayout.sequenceLayout(TS_MAX_LAYERS, JAVA_INT).withName("ts_rate_decimator"),
            JAVA_INT.withName("ts_periodicity"),
            MemoryLayout.sequenceLayout(TS_MAX_PERIODICITY, JAVA_INT).withName("ts_layer_id"),
            MemoryLayout.sequenceLayout(MAX_LAYERS, JAVA_INT).withName("layer_target_bitrate"),
            JAVA_INT.withName("temporal_layering_mode"),
            JAVA_INT.withName("use_vizier_rc_params"),
            VpxRational.LAYOUT.withName("active_wq_factor"),
            VpxRational.LAYOUT.withName("err_per_mb_factor"),
            VpxRational.LAYOUT.withName("sr_default_decay_limit"),
            VpxRational.LAYOUT.withName("sr_diff_factor"),
            VpxRational.LAYOUT.withName("kf_err_per_mb_factor"),
            VpxRational.LAYOUT.withName("kf_frame_min_boost_factor"),
            VpxRational.LAYOUT.withName("kf_frame_max_boost_first_factor"),
            VpxRational.LAYOUT.withName("kf_frame_max_boost_subs_factor"),
            VpxRational.LAYOUT.withName("kf_max_total_boost_factor"),
            VpxRational.LAYOUT.withName("gf_max_total_boost_factor"),
            VpxRational.LAYOUT.withName("gf_frame_max_boost_factor"),
            VpxRational.LAYOUT.withName("zm_factor"),
            VpxRational.LAYOUT.withName("rd_mult_inter_qp_fac"),
            VpxRational.LAYOUT.withName("rd_mult_arf_qp_fac"),
            VpxRational.LAYOUT.withName("rd_mult_key_qp_fac")).withName("vpx_codec_enc_cfg_t");
    public static final long g_threads$OFFSET = 4;
    public static final long g_w$OFFSET = 12;
    public static final long g_h$OFFSET = 16;
    public static final long g_error_resilient$OFFSET = 36;
    public static final long g_pass$OFFSET = 40;
    public static final long g_lag_in_frames$OFFSET = 44;
    public static final long rc_dropframe_thresh$OFFSET = 48;
    public static final long rc_end_usage$OFFSET = 72;
    public static final long rc_target_bitrate$OFFSET = 112;
    public static final long rc_min_quantizer$OFFSET = 116;
    public static final long rc_max_quantizer$OFFSET = 120;
    public static final long rc_buf_sz$OFFSET = 132;
    public static final long rc_buf_initial_sz$OFFSET = 136;
    public static final long rc_buf_optimal_sz$OFFSET = 140;
    public static final long kf_mode$OFFSET = 160;
    public static final long kf_max_dist$OFFSET = 168;
    public static final long g_timebase$OFFSET = 28;

    private VpxCodecEncCfg() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    /** {@code g_timebase}, a {@link VpxRational} inside {@code struct}. */
    public static MemorySegment g_timebase(MemorySegment struct) {
        return struct.asSlice(g_timebase$OFFSET, VpxRational.LAYOUT);
    }

    public static int g_threads(MemorySegment struct) {
        return struct.get(JAVA_INT, g_threads$OFFSET);
    }

    public static void g_threads(MemorySegment struct, int value) {
        struct.set(JAVA_INT, g_threads$OFFSET, value);
    }

    public static int g_w(MemorySegment struct) {
        return struct.get(JAVA_INT, g_w$OFFSET);
    }

    public static void g_w(MemorySegment struct, int value) {
        struct.set(JAVA_INT, g_w$OFFSET, value);
    }

    public static int g_h(MemorySegment struct) {
        return struct.get(JAVA_INT, g_h$OFFSET);
    }

    public static void g_h(MemorySegment struct, int value) {
        struct.set(JAVA_INT, g_h$OFFSET, value);
    }

    public static int g_error_resilient(MemorySegment struct) {
        return struct.get(JAVA_INT, g_error_resilient$OFFSET);
    }

    public static void g_error_resilient(MemorySegment struct, int value) {
        struct.set(JAVA_INT, g_error_resilient$OFFSET, value);
    }

    public static int g_pass(MemorySegment struct) {
        return struct.get(JAVA_INT, g_pass$OFFSET);
    }

    public static void g_pass(MemorySegment struct, int value) {
        struct.set(JAVA_INT, g_pass$OFFSET, value);
    }

    public static int g_lag_in_frames(MemorySegment struct) {
        return struct.get(JAVA_INT, g_lag_in_frames$OFFSET);
    }

    public static void g_lag_in_frames(MemorySegment struct, int value) {
        struct.set(JAVA_INT, g_lag_in_frames$OFFSET, value);
    }

    public static int rc_dropframe_thresh(MemorySegment struct) {
        return struct.get(JAVA_INT, rc_dropframe_thresh$OFFSET);
    }

    public static void rc_dropframe_thresh(MemorySegment struct, int value) {
        struct.set(JAVA_INT, rc_dropframe_thresh$OFFSET, value);
    }

    public static int rc_end_usage(MemorySegment struct) {
        return struct.get(JAVA_INT, rc_end_usage$OFFSET);
    }

    public static void rc_end_usage(MemorySegment struct, int value) {
        struct.set(JAVA_INT, rc_end_usage$OFFSET, value);
    }

    public static int rc_target_bitrate(MemorySegment struct) {
        return struct.get(JAVA_INT, rc_target_bitrate$OFFSET);
    }

    public static void rc_target_bitrate(MemorySegment struct, int value) {
        struct.set(JAVA_INT, rc_target_bitrate$OFFSET, value);
    }

    public static int rc_min_quantizer(MemorySegment struct) {
        return struct.get(JAVA_INT, rc_min_quantizer$OFFSET);
    }

    public static void rc_min_quantizer(MemorySegment struct, int value) {
        struct.set(JAVA_INT, rc_min_quantizer$OFFSET, value);
    }

    public static int rc_max_quantizer(MemorySegment struct) {
        return struct.get(JAVA_INT, rc_max_quantizer$OFFSET);
    }

    public static void rc_max_quantizer(MemorySegment struct, int value) {
        struct.set(JAVA_INT, rc_max_quantizer$OFFSET, value);
    }

    public static int rc_buf_sz(MemorySegment struct) {
        return struct.get(JAVA_INT, rc_buf_sz$OFFSET);
    }

    public static void rc_buf_sz(MemorySegment struct, int value) {
        struct.set(JAVA_INT, rc_buf_sz$OFFSET, value);
    }

    public static int rc_buf_initial_sz(MemorySegment struct) {
        return struct.get(JAVA_INT, rc_buf_initial_sz$OFFSET);
    }

    public static void rc_buf_initial_sz(MemorySegment struct, int value) {
        struct.set(JAVA_INT, rc_buf_initial_sz$OFFSET, value);
    }

    public static int rc_buf_optimal_sz(MemorySegment struct) {
        return struct.get(JAVA_INT, rc_buf_optimal_sz$OFFSET);
    }

    public static void rc_buf_optimal_sz(MemorySegment struct, int value) {
        struct.set(JAVA_INT, rc_buf_optimal_sz$OFFSET, value);
    }

    public static int kf_mode(MemorySegment struct) {
        return struct.get(JAVA_INT, kf_mode$OFFSET);
    }

    public static void kf_mode(MemorySegment struct, int value) {
        struct.set(JAVA_INT, kf_mode$OFFSET, value);
    }

    public static int kf_max_dist(MemorySegment struct) {
        return struct.get(JAVA_INT, kf_max_dist$OFFSET);
    }

    public static void kf_max_dist(MemorySegment struct, int value) {
        struct.set(JAVA_INT, kf_max_dist$OFFSET, value);
    }
}
