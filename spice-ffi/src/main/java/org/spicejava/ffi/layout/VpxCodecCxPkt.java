package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;

/**
 * {@code vpx_codec_cx_pkt_t} (libvpx's vpx/vpx_encoder.h): one packet vpx_codec_get_cx_data hands out, owned by the
 * encoder until the next vpx_codec_encode. Of the {@code data} union only {@code frame} (a compressed frame, kind
 * VPX_CODEC_CX_FRAME_PKT) is spelled out; the union is as large as its {@code pad} (128 bytes with the alignment
 * rounding C adds). Proven against the installed header by VpxLayoutTest.
 */
public final class VpxCodecCxPkt {
    /** VPX_SS_MAX_LAYERS: the length of the frame's per-layer arrays. */
    public static final int SS_MAX_LAYERS = 5;

    /** The {@code frame} member of the {@code data} union. */
    public static final StructLayout FRAME = MemoryLayout.structLayout(
            ADDRESS.withName("buf"),
            JAVA_LONG.withName("sz"),
            JAVA_LONG.withName("pts"),
            JAVA_LONG.withName("duration"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("partition_id"),
            MemoryLayout.sequenceLayout(SS_MAX_LAYERS, JAVA_INT).withName("width"),
            MemoryLayout.sequenceLayout(SS_MAX_LAYERS, JAVA_INT).withName("height"),
            MemoryLayout.sequenceLayout(SS_MAX_LAYERS, JAVA_BYTE).withName("spatial_layer_encoded"),
            MemoryLayout.paddingLayout(3));
    public static final UnionLayout DATA = MemoryLayout.unionLayout(
            FRAME.withName("frame"),
            MemoryLayout.sequenceLayout(128 - JAVA_INT.byteSize(), JAVA_BYTE).withName("pad"),
            MemoryLayout.paddingLayout(128));
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("kind"),
            MemoryLayout.paddingLayout(4),
            DATA.withName("data")).withName("vpx_codec_cx_pkt_t");
    public static final long kind$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("kind"));
    public static final long frame_buf$OFFSET = frame("buf");
    public static final long frame_sz$OFFSET = frame("sz");
    public static final long frame_pts$OFFSET = frame("pts");
    public static final long frame_flags$OFFSET = frame("flags");

    private VpxCodecCxPkt() {
    }

    private static long frame(String member) {
        return LAYOUT.byteOffset(PathElement.groupElement("data"), PathElement.groupElement("frame"),
                PathElement.groupElement(member));
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int kind(MemorySegment struct) {
        return struct.get(JAVA_INT, kind$OFFSET);
    }

    /** {@code data.frame.buf}. */
    public static MemorySegment frame_buf(MemorySegment struct) {
        return Pointers.get(struct, frame_buf$OFFSET);
    }

    /** {@code data.frame.sz} (size_t). */
    public static long frame_sz(MemorySegment struct) {
        return struct.get(JAVA_LONG, frame_sz$OFFSET);
    }

    /** {@code data.frame.pts}. */
    public static long frame_pts(MemorySegment struct) {
        return struct.get(JAVA_LONG, frame_pts$OFFSET);
    }

    /** {@code data.frame.flags} (VPX_FRAME_IS_*). */
    public static int frame_flags(MemorySegment struct) {
        return struct.get(JAVA_INT, frame_flags$OFFSET);
    }
}
