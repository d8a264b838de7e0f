package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The leading members of FFmpeg's {@code AVFrame} (libavutil/frame.h of libavutil57, FFmpeg 5.1) that the tests'
 * H.264 decoder reads, and the libavcodec constants it uses. av_frame_alloc allocates the struct, so only these
 * offsets matter, not its size. Proven against the installed headers (libavcodec-dev) by AvcodecLayoutTest.
 */
public final class AvFrame {
    /** Entries of data and linesize (AV_NUM_DATA_POINTERS). */
    public static final int DATA_POINTERS = 8;
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(DATA_POINTERS, ADDRESS).withName("data"),
            MemoryLayout.sequenceLayout(DATA_POINTERS, JAVA_INT).withName("linesize"),
            ADDRESS.withName("extended_data"),
            JAVA_INT.withName("width"),
            JAVA_INT.withName("height"),
            JAVA_INT.withName("nb_samples"),
            JAVA_INT.withName("format"),
            JAVA_INT.withName("key_frame"),
            JAVA_INT.withName("pict_type")).withName("AVFrame");
    public static final long data$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("data"));
    public static final long linesize$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("linesize"));
    public static final long width$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("width"));
    public static final long height$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("height"));
    public static final long format$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("format"));
    public static final long key_frame$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("key_frame"));

    /** libavcodec constants: the decoder, the input padding, receive_frame's "send more" and "drained". */
    public static final int LIBAVCODEC_VERSION_MAJOR = 59;
    public static final int LIBAVUTIL_VERSION_MAJOR = 57;
    public static final int AV_CODEC_ID_H264 = 27;
    public static final int AV_INPUT_BUFFER_PADDING_SIZE = 64;
    public static final int AV_PIX_FMT_YUV420P = 0;
    public static final int AVERROR_EAGAIN = -11;
    public static final int AVERROR_EOF = -541478725;

    private AvFrame() {
    }

    /** Every constant above by its C expression. */
    public static java.util.Map<String, Integer> constants() {
        java.util.Map<String, Integer> c = new java.util.LinkedHashMap<>();
        c.put("LIBAVCODEC_VERSION_MAJOR", LIBAVCODEC_VERSION_MAJOR);
        c.put("LIBAVUTIL_VERSION_MAJOR", LIBAVUTIL_VERSION_MAJOR);
        c.put("AV_CODEC_ID_H264", AV_CODEC_ID_H264);
        c.put("AV_INPUT_BUFFER_PADDING_SIZE", AV_INPUT_BUFFER_PADDING_SIZE);
        c.put("AV_PIX_FMT_YUV420P", AV_PIX_FMT_YUV420P);
        c.put("AVERROR(EAGAIN)", AVERROR_EAGAIN);
        c.put("AVERROR_EOF", AVERROR_EOF);
        return c;
    }

    public static MemorySegment data(MemorySegment struct, int index) {
        return struct.get(ADDRESS, data$OFFSET + ADDRESS.byteSize() * index);
    }

    public static int linesize(MemorySegment struct, int index) {
        return struct.get(JAVA_INT, linesize$OFFSET + JAVA_INT.byteSize() * index);
    }

    public static int width(MemorySegment struct) {
        return struct.get(JAVA_INT, width$OFFSET);
    }

    public static int height(MemorySegment struct) {
        return struct.get(JAVA_INT, height$OFFSET);
    }

    public static int format(MemorySegment struct) {
        return struct.get(JAVA_INT, format$OFFSET);
    }

    public static int key_frame(MemorySegment struct) {
        return struct.get(JAVA_INT, key_frame$OFFSET);
    }
}
