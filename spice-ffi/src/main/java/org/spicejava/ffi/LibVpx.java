package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.compress.I420;
import org.spicejava.core.compress.VideoEncoder;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.ffi.layout.VpxCodecCtx;
import org.spicejava.ffi.layout.VpxCodecCxPkt;
import org.spicejava.ffi.layout.VpxCodecEncCfg;
import org.spicejava.ffi.layout.VpxImage;
import org.spicejava.ffi.layout.VpxRational;

/**
 * spice-core's VP8 and VP9 video encoders bound to libvpx (Debian's libvpx7, 1.12), one factory per codec:
 * {@link #vp8()} and {@link #vp9()}. Signatures, struct layouts and constants are those of the installed vpx/*.h
 * (libvpx-dev), checked by VpxLayoutTest.
 *
 * <p>The settings are the reference's (spice-server's gstreamer-encoder.c hands vp8enc and vp9enc
 * {@code end-usage=cbr min-quantizer=10 error-resilient=default lag-in-frames=0 deadline=1 cpu-used=4}), as libvpx
 * calls them:
 * <ul>
 * <li>one pass, CBR ({@code rc_end_usage}) at the bit rate given, min quantizer {@value #MIN_QUANTIZER}, so a
 *     still picture does not spend the whole rate on invisible detail;</li>
 * <li>{@code g_lag_in_frames} 0 and the realtime deadline on every vpx_codec_encode: each frame comes out of the
 *     call that takes it, as one packet, which is what the client's decoder takes (raw frames, no container);</li>
 * <li>{@code g_error_resilient} VPX_ERROR_RESILIENT_DEFAULT, so a frame the client loses harms less;</li>
 * <li>VP8E_SET_CPUUSED {@value #VP8_CPU_USED} for VP8: in realtime mode VP8 then runs at speed 4 and goes faster
 *     when encoding takes more than 75% of the time between frames. VP9 reads the number as a fixed speed, where 4
 *     is far too slow for a stream; see {@link #VP9_CPU_USED} for the one chosen;</li>
 * <li>key frames where libvpx places them (its defaults, as the reference's: automatic, at least every 128
 *     frames) plus one on the first frame, after a size change and after a failure.</li>
 * </ul>
 * Chosen here, where the reference has GStreamer's or libvpx's defaults: {@value #MAX_THREADS} encoder thread, as
 * GStreamer's default gives the reference (two threads made VP8 frames 2-4 times costlier on a busy two-core host:
 * libvpx's threads wait for each other by spinning); a rate-control buffer of {@value #BUFFER_MS} ms (libvpx's
 * default 6 s lets the encoder overshoot the rate for seconds, longer than the stream's own 300 ms allowance,
 * SPICE_GST_VBUFFER_SIZE); time stamps in milliseconds from the frames' multimedia time, with at most
 * {@value #MAX_FRAME_MS} ms between two frames so the first frame after a pause is not given seconds of bits.
 *
 * <p>Nothing is loaded until a display worker first opens an encoder; if libvpx is missing that first open logs
 * one line and every open returns null (the server then offers other codecs). Each {@link Encoder} belongs to the
 * thread that opened it.
 */
public final class LibVpx implements VideoEncoder.Factory {
    private static final Logger LOG = LoggerFactory.getLogger(LibVpx.class);
    /** The soname of Debian's libvpx7. */
    static final String LIBRARY = "libvpx.so.7";

    // vpx/vpx_encoder.h, vpx_codec.h, vpx_image.h and vp8cx.h of libvpx 1.12 (VpxLayoutTest checks every one).
    /** VPX_ENCODER_ABI_VERSION, which the vpx_codec_enc_init macro passes to vpx_codec_enc_init_ver. */
    static final int ENCODER_ABI_VERSION = 25;
    /** VPX_CODEC_OK. */
    static final int CODEC_OK = 0;
    /** VPX_IMG_FMT_I420, VPX_CS_BT_601, VPX_CR_STUDIO_RANGE, VPX_BITS_8: what {@link I420} writes. */
    static final int IMG_FMT_I420 = 0x102;
    static final int CS_BT_601 = 1;
    static final int CR_STUDIO_RANGE = 0;
    static final int BITS_8 = 8;
    /** VPX_CODEC_CX_FRAME_PKT, VPX_FRAME_IS_KEY. */
    static final int CX_FRAME_PKT = 0;
    static final int FRAME_IS_KEY = 0x1;
    /** VPX_RC_ONE_PASS, VPX_CBR, VPX_ERROR_RESILIENT_DEFAULT. */
    static final int RC_ONE_PASS = 0;
    static final int CBR = 1;
    static final int ERROR_RESILIENT_DEFAULT = 0x1;
    /** VPX_EFLAG_FORCE_KF (a vpx_enc_frame_flags_t, long), VPX_DL_REALTIME (an unsigned long deadline). */
    static final long EFLAG_FORCE_KF = 1;
    static final long DL_REALTIME = 1;
    /** VP8E_SET_CPUUSED (enum vp8e_enc_control_id), for VP8 and VP9 alike. */
    static final int VP8E_SET_CPUUSED = 13;

    /** Every constant above by its C name, for the test that checks them against the headers. */
    public static Map<String, Long> constants() {
        return Map.ofEntries(Map.entry("VPX_ENCODER_ABI_VERSION", (long) ENCODER_ABI_VERSION),
                Map.entry("VPX_CODEC_OK", (long) CODEC_OK), Map.entry("VPX_IMG_FMT_I420", (long) IMG_FMT_I420),
                Map.entry("VPX_CS_BT_601", (long) CS_BT_601), Map.entry("VPX_CR_STUDIO_RANGE", (long) CR_STUDIO_RANGE),
                Map.entry("VPX_BITS_8", (long) BITS_8), Map.entry("VPX_CODEC_CX_FRAME_PKT", (long) CX_FRAME_PKT),
                Map.entry("VPX_FRAME_IS_KEY", (long) FRAME_IS_KEY), Map.entry("VPX_RC_ONE_PASS", (long) RC_ONE_PASS),
                Map.entry("VPX_CBR", (long) CBR),
                Map.entry("VPX_ERROR_RESILIENT_DEFAULT", (long) ERROR_RESILIENT_DEFAULT),
                Map.entry("VPX_EFLAG_FORCE_KF", EFLAG_FORCE_KF), Map.entry("VPX_DL_REALTIME", DL_REALTIME),
                Map.entry("VP8E_SET_CPUUSED", (long) VP8E_SET_CPUUSED),
                Map.entry("VPX_PLANE_Y", (long) VpxImage.PLANE_Y), Map.entry("VPX_PLANE_U", (long) VpxImage.PLANE_U),
                Map.entry("VPX_PLANE_V", (long) VpxImage.PLANE_V),
                Map.entry("VPX_SS_MAX_LAYERS", (long) VpxCodecEncCfg.SS_MAX_LAYERS),
                Map.entry("VPX_TS_MAX_LAYERS", (long) VpxCodecEncCfg.TS_MAX_LAYERS),
                Map.entry("VPX_TS_MAX_PERIODICITY", (long) VpxCodecEncCfg.TS_MAX_PERIODICITY),
                Map.entry("VPX_MAX_LAYERS", (long) VpxCodecEncCfg.MAX_LAYERS));
    }

    /** The reference's min-quantizer (of 0 to 63). */
    static final int MIN_QUANTIZER = 10;
    /** The reference's cpu-used for VP8. */
    static final int VP8_CPU_USED = 4;
    /**
     * VP9's speed (0 to 9), where the reference passes VP8's 4. Measured at 640x400 and 4 Mbit/s on LibVpxTest's
     * noisy panning picture, two threads on a shared two-core machine: 54 ms a frame at 4, 23 at 5, 9-11 at 6 and
     * 7, 7 at 8, 5 at 9 (VP8 at cpu-used 4: 5-7 ms), all within 0.7 dB of luma PSNR of each other. 7 keeps VP9
     * near VP8's cost.
     */
    static final int VP9_CPU_USED = 7;
    /** Encoder threads (g_threads). */
    static final int MAX_THREADS = 1;
    /** The rate-control buffer (rc_buf_sz), its level at the start (rc_buf_initial_sz) and its aim, in ms. */
    static final int BUFFER_MS = 1000;
    static final int BUFFER_INITIAL_MS = 500;
    static final int BUFFER_OPTIMAL_MS = 600;
    /** Time stamps count milliseconds (g_timebase 1/1000), as the frames' multimedia time does. */
    static final int TIMEBASE_DEN = 1000;
    /** The duration given to a stream's first frame (30 frames a second, libvpx's default rate). */
    static final int FIRST_FRAME_MS = 33;
    /** The most time one frame is taken to last, whatever the gap to the next one. */
    static final int MAX_FRAME_MS = 100;
    /** The largest side we encode: VP8's limit (14 bits), far above any stream SPICE makes. */
    static final int MAX_SIDE = 16383;
    /** The bit rates libvpx is given, in kbit/s (rc_target_bitrate). */
    static final int MIN_KBPS = 1;
    static final int MAX_KBPS = 1_000_000;

    private static final Library DEFAULT_LIBRARY = new Library(LIBRARY);
    private static final LibVpx VP8 = new LibVpx(DEFAULT_LIBRARY, Codec.VP8);
    private static final LibVpx VP9 = new LibVpx(DEFAULT_LIBRARY, Codec.VP9);

    /** The two codecs: their SPICE codec type, libvpx interface and speed. */
    private enum Codec {
        VP8(VideoEncoder.VP8, "VP8", VP8_CPU_USED),
        VP9(VideoEncoder.VP9, "VP9", VP9_CPU_USED);

        final int type;
        final String label;
        final int cpuUsed;

        Codec(int type, String label, int cpuUsed) {
            this.type = type;
            this.label = label;
            this.cpuUsed = cpuUsed;
        }

        MemorySegment iface(Bindings vpx) {
            return this == VP8 ? vpx.vp8() : vpx.vp9();
        }
    }

    /**
     * The functions we call and the two encoder interfaces (vpx_codec_vp8_cx() and vpx_codec_vp9_cx(): pointers to
     * the library's constant interface structs).
     */
    private record Bindings(MemorySegment vp8, MemorySegment vp9, MethodHandle configDefault, MethodHandle init,
                            MethodHandle encode, MethodHandle getCxData, MethodHandle configSet,
                            MethodHandle control, MethodHandle destroy, MethodHandle errToString,
                            MethodHandle errorDetail) {
    }

    /** One libvpx, bound once for both codecs. */
    private static final class Library {
        private final String name;
        /** The library's functions once bound; null before, or for good after a failure (logged once). */
        private Bindings bindings;
        private boolean bindingFailed;

        Library(String name) {
            this.name = name;
        }

        /** The bound functions, or null when the library cannot be used (logged the first time). Any thread. */
        synchronized Bindings bindings() {
            if (bindings == null && !bindingFailed) {
                try {
                    bindings = bindAll(SymbolLookup.libraryLookup(name, Arena.global()));
                } catch (Throwable e) {
                    bindingFailed = true;
                    LOG.info("VP8 and VP9 not offered: {} could not be loaded ({})", name, e.getMessage());
                }
            }
            return bindings;
        }

        private static Bindings bindAll(SymbolLookup lib) throws Throwable {
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            ValueLayout.OfLong l = ValueLayout.JAVA_LONG; // int64_t, long and unsigned long on LP64
            ValueLayout p = ValueLayout.ADDRESS;
            // vpx_codec_iface_t *vpx_codec_vp8_cx(void), vpx_codec_vp9_cx(void)
            MethodHandle vp8 = Native.bind(lib, "vpx_codec_vp8_cx", FunctionDescriptor.of(p));
            MethodHandle vp9 = Native.bind(lib, "vpx_codec_vp9_cx", FunctionDescriptor.of(p));
            return new Bindings((MemorySegment) vp8.invokeExact(), (MemorySegment) vp9.invokeExact(),
                    // vpx_codec_err_t vpx_codec_enc_config_default(vpx_codec_iface_t *, vpx_codec_enc_cfg_t *,
                    //                                              unsigned int usage)
                    Native.bind(lib, "vpx_codec_enc_config_default", FunctionDescriptor.of(i, p, p, i)),
                    // vpx_codec_err_t vpx_codec_enc_init_ver(vpx_codec_ctx_t *, vpx_codec_iface_t *,
                    //                                        const vpx_codec_enc_cfg_t *, vpx_codec_flags_t, int ver)
                    Native.bind(lib, "vpx_codec_enc_init_ver", FunctionDescriptor.of(i, p, p, p, l, i)),
                    // vpx_codec_err_t vpx_codec_encode(vpx_codec_ctx_t *, const vpx_image_t *, vpx_codec_pts_t pts,
                    //                                  unsigned long duration, vpx_enc_frame_flags_t flags,
                    //                                  unsigned long deadline)
                    Native.bind(lib, "vpx_codec_encode", FunctionDescriptor.of(i, p, p, l, l, l, l)),
                    // const vpx_codec_cx_pkt_t *vpx_codec_get_cx_data(vpx_codec_ctx_t *, vpx_codec_iter_t *)
                    Native.bind(lib, "vpx_codec_get_cx_data", FunctionDescriptor.of(p, p, p)),
                    // vpx_codec_err_t vpx_codec_enc_config_set(vpx_codec_ctx_t *, const vpx_codec_enc_cfg_t *)
                    Native.bind(lib, "vpx_codec_enc_config_set", FunctionDescriptor.of(i, p, p)),
                    // vpx_codec_err_t vpx_codec_control_(vpx_codec_ctx_t *, int ctrl_id, ...): our controls take int
                    Native.bind(lib, "vpx_codec_control_", FunctionDescriptor.of(i, p, i, i),
                            Linker.Option.firstVariadicArg(2)),
                    // vpx_codec_err_t vpx_codec_destroy(vpx_codec_ctx_t *)
                    Native.bind(lib, "vpx_codec_destroy", FunctionDescriptor.of(i, p)),
                    // const char *vpx_codec_err_to_string(vpx_codec_err_t)
                    Native.bind(lib, "vpx_codec_err_to_string", FunctionDescriptor.of(p, i)),
                    // const char *vpx_codec_error_detail(const vpx_codec_ctx_t *)
                    Native.bind(lib, "vpx_codec_error_detail", FunctionDescriptor.of(p, p)));
        }
    }


    /** The library's symbols (tests bind the decoder from the same library). */
    static SymbolLookup library() {
        return SymbolLookup.libraryLookup(LIBRARY, Arena.global());
    }

    private final Library library;
    private final Codec codec;

    private LibVpx(Library library, Codec codec) {
        this.library = library;
        this.codec = codec;
    }

    /** The encoders of {@code codecType} (VP8 or VP9) from the library {@code library}; tests name a missing one. */
    LibVpx(String library, int codecType) {
        this(new Library(library), codecType == VideoEncoder.VP9 ? Codec.VP9 : Codec.VP8);
    }

    /** VP8 encoders (SPICE_VIDEO_CODEC_TYPE_VP8). Nothing is loaded before the first {@link #open}. */
    public static LibVpx vp8() {
        return VP8;
    }

    /** VP9 encoders (SPICE_VIDEO_CODEC_TYPE_VP9). Nothing is loaded before the first {@link #open}. */
    public static LibVpx vp9() {
        return VP9;
    }

    @Override
    public int codecType() {
        return codec.type;
    }

    /**
     * An encoder for the calling thread aiming at {@code bitsPerSecond}, or null when libvpx is not usable (logged
     * once) or refuses the configuration (logged). The libvpx encoder itself is made by the first frame, which
     * gives its size.
     */
    @Override
    public Encoder open(long bitsPerSecond) {
        Bindings vpx = library.bindings();
        if (vpx == null) {
            return null;
        }
        Arena arena = Arena.ofConfined();
        MemorySegment cfg = arena.allocate(VpxCodecEncCfg.LAYOUT);
        int rc;
        try {
            rc = (int) vpx.configDefault().invokeExact(codec.iface(vpx), cfg, 0);
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException("vpx_codec_enc_config_default failed", t);
        }
        if (rc != CODEC_OK) {
            LOG.warn("{} encoder not opened: vpx_codec_enc_config_default: {}", codec.label, error(vpx, rc));
            arena.close();
            return null;
        }
        configure(cfg);
        return new Encoder(vpx, codec, arena, cfg, bitsPerSecond);
    }

    /** Our settings over libvpx's defaults (the size and the rate come with the first frame). */
    private static void configure(MemorySegment cfg) {
        VpxCodecEncCfg.g_threads(cfg, Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors()));
        VpxRational.num(VpxCodecEncCfg.g_timebase(cfg), 1);
        VpxRational.den(VpxCodecEncCfg.g_timebase(cfg), TIMEBASE_DEN);
        VpxCodecEncCfg.g_error_resilient(cfg, ERROR_RESILIENT_DEFAULT);
        VpxCodecEncCfg.g_pass(cfg, RC_ONE_PASS);
        VpxCodecEncCfg.g_lag_in_frames(cfg, 0);
        VpxCodecEncCfg.rc_dropframe_thresh(cfg, 0);
        VpxCodecEncCfg.rc_end_usage(cfg, CBR);
        VpxCodecEncCfg.rc_min_quantizer(cfg, MIN_QUANTIZER);
        VpxCodecEncCfg.rc_buf_sz(cfg, BUFFER_MS);
        VpxCodecEncCfg.rc_buf_initial_sz(cfg, BUFFER_INITIAL_MS);
        VpxCodecEncCfg.rc_buf_optimal_sz(cfg, BUFFER_OPTIMAL_MS);
    }

    /** rc_target_bitrate for a rate in bits per second. */
    static int kbps(long bitsPerSecond) {
        return (int) Math.clamp((bitsPerSecond + 500) / 1000, MIN_KBPS, MAX_KBPS);
    }

    /** libvpx's name of an error code. */
    private static String error(Bindings vpx, int code) {
        try {
            return code + " " + Native.string((MemorySegment) vpx.errToString().invokeExact(code));
        } catch (Throwable t) {
            return code + " (no error string: " + t + ")";
        }
    }

    /**
     * One libvpx encoder: the vpx_codec_ctx_t, its configuration and the vpx_image_t it reads (in the encoder's
     * confined arena), and the I420 picture the image points to (in an arena of its own, replaced when the size
     * changes). The codec context is made for the first frame's size and made again whenever the size changes
     * (VP8 cannot grow in place), starting with a key frame. Not thread-safe.
     */
    public static final class Encoder implements VideoEncoder {
        private final Bindings vpx;
        private final Codec codec;
        private final Arena arena;
        private final MemorySegment cfg;
        private final MemorySegment ctx;
        private final MemorySegment image;
        private final MemorySegment iterator;
        private Arena pictureArena;
        private MemorySegment picture;
        /** The size of the codec context; 0 when there is none. */
        private int width;
        private int height;
        private long bitsPerSecond;
        /** The last frame's time stamp (ms since the first frame) and multimedia time; -1 before the first. */
        private long pts = -1;
        private int lastMmTime;
        private boolean forceKeyFrame = true;
        private boolean failureLogged;
        private boolean closed;

        private Encoder(Bindings vpx, Codec codec, Arena arena, MemorySegment cfg, long bitsPerSecond) {
            this.vpx = vpx;
            this.codec = codec;
            this.arena = arena;
            this.cfg = cfg;
            this.ctx = arena.allocate(VpxCodecCtx.LAYOUT);
            this.image = arena.allocate(VpxImage.LAYOUT);
            this.iterator = arena.allocate(ValueLayout.ADDRESS);
            this.bitsPerSecond = bitsPerSecond;
        }

        @Override
        public int codecType() {
            return codec.type;
        }

        @Override
        public MemorySegment encode(Bitmap frame, int mmTime, SegmentAllocator alloc) {
            if (closed) {
                throw new IllegalStateException(codec.label + " encoder closed");
            }
            int w = frame.width();
            int h = frame.height();
            if (w < 1 || h < 1 || w > MAX_SIDE || h > MAX_SIDE) {
                failed("a " + w + "x" + h + " frame");
                return null;
            }
            if (w != width || h != height) {
                if (!start(w, h)) {
                    return null;
                }
            } else if (kbps(bitsPerSecond) != VpxCodecEncCfg.rc_target_bitrate(cfg)) {
                VpxCodecEncCfg.rc_target_bitrate(cfg, kbps(bitsPerSecond));
                int rc = configSet();
                if (rc != CODEC_OK) {
                    failed("vpx_codec_enc_config_set at " + kbps(bitsPerSecond) + " kbit/s: " + error(rc));
                }
            }
            I420.convert(frame, picture);
            long duration = pts < 0 ? FIRST_FRAME_MS : Math.clamp(mmTime - lastMmTime, 1, MAX_FRAME_MS);
            pts = pts < 0 ? 0 : pts + duration;
            lastMmTime = mmTime;
            int rc;
            try {
                rc = (int) vpx.encode().invokeExact(ctx, image, pts, duration,
                        forceKeyFrame ? EFLAG_FORCE_KF : 0L, DL_REALTIME);
            } catch (Throwable t) {
                rc = Integer.MIN_VALUE;
                LOG.debug("vpx_codec_encode threw", t);
            }
            if (rc != CODEC_OK) {
                failed("vpx_codec_encode of a " + w + "x" + h + " frame: " + error(rc));
                forceKeyFrame = true;
                return null;
            }
            return output(alloc);
        }

        /**
         * The frame the last vpx_codec_encode made, copied into {@code alloc}'s memory; null when it made none (a
         * frame libvpx dropped) or, which lag 0 rules out, more than one.
         */
        private MemorySegment output(SegmentAllocator alloc) {
            iterator.set(ValueLayout.ADDRESS, 0, MemorySegment.NULL);
            MemorySegment out = null;
            int frames = 0;
            while (true) {
                MemorySegment packet;
                try {
                    packet = (MemorySegment) vpx.getCxData().invokeExact(ctx, iterator);
                } catch (Throwable t) {
                    throw new IllegalStateException("vpx_codec_get_cx_data failed", t);
                }
                if (packet.equals(MemorySegment.NULL)) {
                    break;
                }
                packet = packet.reinterpret(VpxCodecCxPkt.sizeof());
                if (VpxCodecCxPkt.kind(packet) != CX_FRAME_PKT) {
                    continue;
                }
                frames++;
                long size = VpxCodecCxPkt.frame_sz(packet);
                if (frames == 1 && size > 0 && size <= Integer.MAX_VALUE) {
                    out = alloc.allocate(size);
                    MemorySegment.copy(VpxCodecCxPkt.frame_buf(packet).reinterpret(size), 0, out, 0, size);
                }
            }
            if (frames > 1) {
                failed(frames + " frames from one picture");
                forceKeyFrame = true;
                return null;
            }
            if (out != null) {
                forceKeyFrame = false;
            }
            return out;
        }

        /** Makes the codec context for {@code w} x {@code h} frames (ending the one before); false (logged) if not. */
        private boolean start(int w, int h) {
            destroyContext();
            VpxCodecEncCfg.g_w(cfg, w);
            VpxCodecEncCfg.g_h(cfg, h);
            VpxCodecEncCfg.rc_target_bitrate(cfg, kbps(bitsPerSecond));
            int rc;
            try {
                rc = (int) vpx.init().invokeExact(ctx, codec.iface(vpx), cfg, 0L, ENCODER_ABI_VERSION);
            } catch (Throwable t) {
                rc = Integer.MIN_VALUE;
                LOG.debug("vpx_codec_enc_init_ver threw", t);
            }
            if (rc != CODEC_OK) {
                failed("vpx_codec_enc_init_ver for " + w + "x" + h + ": " + LibVpx.error(vpx, rc));
                return false;
            }
            width = w;
            height = h;
            forceKeyFrame = true;
            try {
                rc = (int) vpx.control().invokeExact(ctx, VP8E_SET_CPUUSED, codec.cpuUsed);
            } catch (Throwable t) {
                rc = Integer.MIN_VALUE;
            }
            if (rc != CODEC_OK) {
                failed("VP8E_SET_CPUUSED " + codec.cpuUsed + ": " + error(rc));
            }
            if (pictureArena != null) {
                pictureArena.close();
            }
            pictureArena = Arena.ofConfined();
            picture = pictureArena.allocate(I420.size(w, h), 64);
            describePicture(w, h);
            return true;
        }

        /**
         * Fills the vpx_image_t for {@link #picture}: I420 packed as {@link I420#convert(Bitmap, MemorySegment)}
         * writes it, chroma planes {@code (w + 1) / 2} wide and high (libvpx's own rounding, so odd sizes work).
         * Done by hand rather than with vpx_img_wrap, whose plane layout for odd sizes differs between libvpx
         * versions.
         */
        private void describePicture(int w, int h) {
            image.fill((byte) 0);
            int cw = I420.chromaSide(w);
            long ySize = (long) w * h;
            long cSize = (long) cw * I420.chromaSide(h);
            VpxImage.fmt(image, IMG_FMT_I420);
            VpxImage.cs(image, CS_BT_601);
            VpxImage.range(image, CR_STUDIO_RANGE);
            VpxImage.w(image, w);
            VpxImage.h(image, h);
            VpxImage.bit_depth(image, BITS_8);
            VpxImage.d_w(image, w);
            VpxImage.d_h(image, h);
            VpxImage.x_chroma_shift(image, 1);
            VpxImage.y_chroma_shift(image, 1);
            VpxImage.planes(image, VpxImage.PLANE_Y, picture);
            VpxImage.planes(image, VpxImage.PLANE_U, picture.asSlice(ySize));
            VpxImage.planes(image, VpxImage.PLANE_V, picture.asSlice(ySize + cSize));
            VpxImage.stride(image, VpxImage.PLANE_Y, w);
            VpxImage.stride(image, VpxImage.PLANE_U, cw);
            VpxImage.stride(image, VpxImage.PLANE_V, cw);
            VpxImage.bps(image, 12);
        }

        @Override
        public void bitRate(long bitsPerSecond) {
            this.bitsPerSecond = bitsPerSecond;
        }

        /** vpx_codec_enc_config_set with {@link #cfg}; an exception counts as an error code. */
        private int configSet() {
            try {
                return (int) vpx.configSet().invokeExact(ctx, cfg);
            } catch (Throwable t) {
                LOG.debug("vpx_codec_enc_config_set threw", t);
                return Integer.MIN_VALUE;
            }
        }

        /** The error code's name and the context's detail, if any. */
        private String error(int code) {
            String detail = null;
            try {
                MemorySegment text = (MemorySegment) vpx.errorDetail().invokeExact(ctx);
                detail = text.equals(MemorySegment.NULL) ? null : Native.string(text);
            } catch (Throwable ignored) {
                // the code alone
            }
            return LibVpx.error(vpx, code) + (detail == null ? "" : " (" + detail + ")");
        }

        /** The first failure is logged at warn, later ones at debug (a broken setup would log every frame). */
        private void failed(String what) {
            if (!failureLogged) {
                failureLogged = true;
                LOG.warn("{} encoder failed on {}; later failures are logged at debug", codec.label, what);
            } else {
                LOG.debug("{} encoder failed on {}", codec.label, what);
            }
        }

        private void destroyContext() {
            if (width == 0) {
                return;
            }
            width = 0;
            height = 0;
            try {
                int rc = (int) vpx.destroy().invokeExact(ctx);
                if (rc != CODEC_OK) {
                    LOG.debug("vpx_codec_destroy: {}", LibVpx.error(vpx, rc));
                }
            } catch (Throwable t) {
                LOG.warn("vpx_codec_destroy failed: {}", t.toString());
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            destroyContext();
            if (pictureArena != null) {
                pictureArena.close();
            }
            arena.close();
        }
    }
}
