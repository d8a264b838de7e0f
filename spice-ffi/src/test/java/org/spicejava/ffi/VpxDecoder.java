package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Map;

import org.spicejava.core.compress.VideoEncoder;
import org.spicejava.ffi.layout.VpxCodecCtx;
import org.spicejava.ffi.layout.VpxImage;

/**
 * libvpx's own VP8 and VP9 decoders, for the tests: what the client's decoder would make of our frames. One
 * decoder per stream, confined to the test's thread.
 */
public final class VpxDecoder implements AutoCloseable {
    /** VPX_DECODER_ABI_VERSION (vpx/vpx_decoder.h), which vpx_codec_dec_init passes to vpx_codec_dec_init_ver. */
    static final int ABI_VERSION = 12;
    /** sizeof(vpx_codec_stream_info_t) and the offset of its is_kf (four unsigned ints: sz, w, h, is_kf). */
    static final int STREAM_INFO_SIZE = 16;
    static final int STREAM_INFO_IS_KF = 12;

    /** The constants above by their C expressions, for VpxLayoutTest. */
    public static Map<String, Long> constants() {
        return Map.of("VPX_DECODER_ABI_VERSION", (long) ABI_VERSION,
                "sizeof(vpx_codec_stream_info_t)", (long) STREAM_INFO_SIZE,
                "offsetof(vpx_codec_stream_info_t, is_kf)", (long) STREAM_INFO_IS_KF);
    }

    private static final SymbolLookup LIB = LibVpx.library();
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final ValueLayout P = ValueLayout.ADDRESS;
    private static final MethodHandle VP8_DX = bind("vpx_codec_vp8_dx", FunctionDescriptor.of(P));
    private static final MethodHandle VP9_DX = bind("vpx_codec_vp9_dx", FunctionDescriptor.of(P));
    // vpx_codec_err_t vpx_codec_dec_init_ver(vpx_codec_ctx_t *, vpx_codec_iface_t *, const vpx_codec_dec_cfg_t *,
    //                                        vpx_codec_flags_t, int ver)
    private static final MethodHandle INIT = bind("vpx_codec_dec_init_ver", FunctionDescriptor.of(I, P, P, P, L, I));
    // vpx_codec_err_t vpx_codec_decode(vpx_codec_ctx_t *, const uint8_t *data, unsigned int data_sz,
    //                                  void *user_priv, long deadline)
    private static final MethodHandle DECODE = bind("vpx_codec_decode", FunctionDescriptor.of(I, P, P, I, P, L));
    // vpx_image_t *vpx_codec_get_frame(vpx_codec_ctx_t *, vpx_codec_iter_t *)
    private static final MethodHandle GET_FRAME = bind("vpx_codec_get_frame", FunctionDescriptor.of(P, P, P));
    private static final MethodHandle DESTROY = bind("vpx_codec_destroy", FunctionDescriptor.of(I, P));
    // vpx_codec_err_t vpx_codec_peek_stream_info(vpx_codec_iface_t *, const uint8_t *data, unsigned int data_sz,
    //                                            vpx_codec_stream_info_t *si)
    private static final MethodHandle PEEK = bind("vpx_codec_peek_stream_info", FunctionDescriptor.of(I, P, P, I, P));

    private static MethodHandle bind(String name, FunctionDescriptor d) {
        return Native.LINKER.downcallHandle(LIB.find(name).orElseThrow(), d);
    }

    /** A decoded picture's size and luma plane (rows of {@code width} bytes). */
    public record Picture(int width, int height, byte[] luma) {
    }

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment ctx = arena.allocate(VpxCodecCtx.LAYOUT);
    private final MemorySegment iterator = arena.allocate(ValueLayout.ADDRESS);

    /** A decoder of {@code codecType} (VideoEncoder.VP8 or VP9). */
    public VpxDecoder(int codecType) throws Throwable {
        int rc = (int) INIT.invokeExact(ctx, iface(codecType), MemorySegment.NULL, 0L, ABI_VERSION);
        if (rc != 0) {
            arena.close();
            throw new IllegalStateException("vpx_codec_dec_init_ver: " + rc);
        }
    }

    private static MemorySegment iface(int codecType) throws Throwable {
        return codecType == VideoEncoder.VP9 ? (MemorySegment) VP9_DX.invokeExact()
                : (MemorySegment) VP8_DX.invokeExact();
    }

    /** Decodes one frame: the picture it shows, or an exception when the decoder refuses it or shows nothing. */
    public Picture decode(MemorySegment frame) throws Throwable {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment data = call.allocate(frame.byteSize()).copyFrom(frame);
            int rc = (int) DECODE.invokeExact(ctx, data, (int) frame.byteSize(), MemorySegment.NULL, 0L);
            if (rc != 0) {
                throw new IllegalStateException("vpx_codec_decode: " + rc);
            }
        }
        iterator.set(ValueLayout.ADDRESS, 0, MemorySegment.NULL);
        MemorySegment img = (MemorySegment) GET_FRAME.invokeExact(ctx, iterator);
        if (img.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("no picture from a frame");
        }
        img = img.reinterpret(VpxImage.sizeof());
        int w = VpxImage.d_w(img);
        int h = VpxImage.d_h(img);
        int stride = VpxImage.stride(img, VpxImage.PLANE_Y);
        MemorySegment y = VpxImage.planes(img, VpxImage.PLANE_Y).reinterpret((long) stride * h);
        byte[] luma = new byte[w * h];
        for (int row = 0; row < h; row++) {
            MemorySegment.copy(y, ValueLayout.JAVA_BYTE, (long) row * stride, luma, row * w, w);
        }
        if (!((MemorySegment) GET_FRAME.invokeExact(ctx, iterator)).equals(MemorySegment.NULL)) {
            throw new IllegalStateException("two pictures from one frame");
        }
        return new Picture(w, h, luma);
    }

    /**
     * Whether {@code frame} is a key frame, as vpx_codec_peek_stream_info reads its header (VP8's refuses to read
     * an inter frame: that too is no key frame).
     */
    public static boolean isKeyFrame(int codecType, MemorySegment frame) throws Throwable {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment data = call.allocate(frame.byteSize()).copyFrom(frame);
            MemorySegment info = call.allocate(STREAM_INFO_SIZE, 4);
            info.set(ValueLayout.JAVA_INT, 0, STREAM_INFO_SIZE);
            int rc = (int) PEEK.invokeExact(iface(codecType), data, (int) frame.byteSize(), info);
            return rc == 0 && info.get(ValueLayout.JAVA_INT, STREAM_INFO_IS_KF) != 0;
        }
    }

    @Override
    public void close() {
        try {
            int ignored = (int) DESTROY.invokeExact(ctx);
        } catch (Throwable t) {
            throw new IllegalStateException("vpx_codec_destroy failed", t);
        } finally {
            arena.close();
        }
    }
}
