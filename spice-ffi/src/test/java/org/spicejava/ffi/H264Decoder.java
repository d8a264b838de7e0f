package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import org.spicejava.ffi.layout.AvFrame;

/**
 * A real H.264 decoder for the tests: FFmpeg's, through libavcodec59 (the decoder behind spice-gtk's avdec_h264),
 * fed one access unit per packet as spice-gtk feeds its pipeline one frame per buffer. Only functions and the
 * AVFrame members in {@link AvFrame} (proven against the headers) are used: packets are made with
 * av_packet_from_data, so no AVPacket member is touched. A missing library fails the test that uses it.
 */
final class H264Decoder implements AutoCloseable {
    private static final SymbolLookup AVCODEC = SymbolLookup.libraryLookup(
            "libavcodec.so." + AvFrame.LIBAVCODEC_VERSION_MAJOR, Arena.global());
    private static final SymbolLookup AVUTIL = SymbolLookup.libraryLookup(
            "libavutil.so." + AvFrame.LIBAVUTIL_VERSION_MAJOR, Arena.global());
    private static final AddressLayout PTR = ValueLayout.ADDRESS;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    // const AVCodec *avcodec_find_decoder(enum AVCodecID)
    private static final MethodHandle FIND_DECODER = bind(AVCODEC, "avcodec_find_decoder",
            FunctionDescriptor.of(PTR, INT));
    // AVCodecContext *avcodec_alloc_context3(const AVCodec *)
    private static final MethodHandle ALLOC_CONTEXT = bind(AVCODEC, "avcodec_alloc_context3",
            FunctionDescriptor.of(PTR, PTR));
    // int avcodec_open2(AVCodecContext *, const AVCodec *, AVDictionary **options)
    private static final MethodHandle OPEN = bind(AVCODEC, "avcodec_open2", FunctionDescriptor.of(INT, PTR, PTR, PTR));
    private static final MethodHandle FREE_CONTEXT = bind(AVCODEC, "avcodec_free_context",
            FunctionDescriptor.ofVoid(PTR));
    private static final MethodHandle PACKET_ALLOC = bind(AVCODEC, "av_packet_alloc", FunctionDescriptor.of(PTR));
    // int av_packet_from_data(AVPacket *, uint8_t *data, int size): data from av_malloc, padded
    private static final MethodHandle PACKET_FROM_DATA = bind(AVCODEC, "av_packet_from_data",
            FunctionDescriptor.of(INT, PTR, PTR, INT));
    private static final MethodHandle PACKET_UNREF = bind(AVCODEC, "av_packet_unref", FunctionDescriptor.ofVoid(PTR));
    private static final MethodHandle PACKET_FREE = bind(AVCODEC, "av_packet_free", FunctionDescriptor.ofVoid(PTR));
    // int avcodec_send_packet(AVCodecContext *, const AVPacket *): NULL drains
    private static final MethodHandle SEND_PACKET = bind(AVCODEC, "avcodec_send_packet",
            FunctionDescriptor.of(INT, PTR, PTR));
    // int avcodec_receive_frame(AVCodecContext *, AVFrame *)
    private static final MethodHandle RECEIVE_FRAME = bind(AVCODEC, "avcodec_receive_frame",
            FunctionDescriptor.of(INT, PTR, PTR));
    private static final MethodHandle FRAME_ALLOC = bind(AVUTIL, "av_frame_alloc", FunctionDescriptor.of(PTR));
    private static final MethodHandle FRAME_UNREF = bind(AVUTIL, "av_frame_unref", FunctionDescriptor.ofVoid(PTR));
    private static final MethodHandle FRAME_FREE = bind(AVUTIL, "av_frame_free", FunctionDescriptor.ofVoid(PTR));
    // void *av_mallocz(size_t)
    private static final MethodHandle MALLOCZ = bind(AVUTIL, "av_mallocz",
            FunctionDescriptor.of(PTR, ValueLayout.JAVA_LONG));
    private static final MethodHandle FREE = bind(AVUTIL, "av_free", FunctionDescriptor.ofVoid(PTR));

    /** A decoded picture: its size, its luma plane (width x height, no stride) and whether it was a key frame. */
    record Picture(int width, int height, byte[] luma, boolean keyFrame) {
    }

    private final Arena arena = Arena.ofConfined();
    /** Cells holding the context, packet and frame pointers (the *_free functions take their address). */
    private final MemorySegment contextCell = arena.allocate(PTR);
    private final MemorySegment packetCell = arena.allocate(PTR);
    private final MemorySegment frameCell = arena.allocate(PTR);
    private final MemorySegment context;
    private final MemorySegment packet;
    private final MemorySegment frame;

    private static MethodHandle bind(SymbolLookup lib, String name, FunctionDescriptor d) {
        return Native.LINKER.downcallHandle(lib.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), d);
    }

    H264Decoder() throws Throwable {
        MemorySegment codec = (MemorySegment) FIND_DECODER.invokeExact(AvFrame.AV_CODEC_ID_H264);
        assertFalse(codec.equals(MemorySegment.NULL), "libavcodec has an H.264 decoder");
        context = (MemorySegment) ALLOC_CONTEXT.invokeExact(codec);
        contextCell.set(PTR, 0, context);
        assertEquals(0, (int) OPEN.invokeExact(context, codec, MemorySegment.NULL), "avcodec_open2");
        packet = (MemorySegment) PACKET_ALLOC.invokeExact();
        packetCell.set(PTR, 0, packet);
        frame = ((MemorySegment) FRAME_ALLOC.invokeExact()).reinterpret(AvFrame.LAYOUT.byteSize());
        frameCell.set(PTR, 0, frame);
    }

    /** Sends one access unit and returns the pictures the decoder gives back at once. */
    List<Picture> decode(MemorySegment accessUnit) throws Throwable {
        int size = Math.toIntExact(accessUnit.byteSize());
        MemorySegment data = ((MemorySegment) MALLOCZ.invokeExact((long) size + AvFrame.AV_INPUT_BUFFER_PADDING_SIZE))
                .reinterpret(size);
        MemorySegment.copy(accessUnit, 0, data, 0, size);
        int rc = (int) PACKET_FROM_DATA.invokeExact(packet, data, size);
        if (rc != 0) {
            FREE.invokeExact(data);
            throw new AssertionError("av_packet_from_data: " + rc);
        }
        rc = (int) SEND_PACKET.invokeExact(context, packet);
        PACKET_UNREF.invokeExact(packet);
        assertEquals(0, rc, "avcodec_send_packet of a " + size + "-byte access unit");
        return receive();
    }

    /** Drains the decoder: the pictures it still held. */
    List<Picture> flush() throws Throwable {
        assertEquals(0, (int) SEND_PACKET.invokeExact(context, MemorySegment.NULL));
        return receive();
    }

    private List<Picture> receive() throws Throwable {
        List<Picture> pictures = new ArrayList<>();
        while (true) {
            int rc = (int) RECEIVE_FRAME.invokeExact(context, frame);
            if (rc == AvFrame.AVERROR_EAGAIN || rc == AvFrame.AVERROR_EOF) {
                return pictures;
            }
            assertEquals(0, rc, "avcodec_receive_frame");
            try {
                assertEquals(AvFrame.AV_PIX_FMT_YUV420P, AvFrame.format(frame), "8-bit 4:2:0");
                int width = AvFrame.width(frame);
                int height = AvFrame.height(frame);
                int stride = AvFrame.linesize(frame, 0);
                assertTrue(width > 0 && height > 0 && stride >= width, width + "x" + height + " stride " + stride);
                MemorySegment plane = AvFrame.data(frame, 0).reinterpret((long) stride * height);
                byte[] luma = new byte[width * height];
                for (int row = 0; row < height; row++) {
                    MemorySegment.copy(plane, ValueLayout.JAVA_BYTE, (long) row * stride, luma, row * width, width);
                }
                pictures.add(new Picture(width, height, luma, AvFrame.key_frame(frame) != 0));
            } finally {
                FRAME_UNREF.invokeExact(frame);
            }
        }
    }

    @Override
    public void close() {
        try {
            FRAME_FREE.invokeExact(frameCell);
            PACKET_FREE.invokeExact(packetCell);
            FREE_CONTEXT.invokeExact(contextCell);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            arena.close();
        }
    }
}
