package org.spicejava.ffi;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.compress.I420;
import org.spicejava.core.compress.VideoEncoder;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.ffi.layout.X264Image;
import org.spicejava.ffi.layout.X264Nal;
import org.spicejava.ffi.layout.X264Picture;
import org.spicejava.ffi.layout.X264Param;

/**
 * spice-core's H.264 video encoder bound to libx264 (Debian's libx264-164, X264_BUILD 164). The stream is what the
 * reference's GStreamer pipeline makes with {@code x264enc byte-stream=true aud=true qp-min=15 qp-max=35
 * tune=zerolatency sliced-threads=true speed-preset=ultrafast intra-refresh=true} (server/gstreamer-encoder.c) at
 * x264enc's default rate control ({@code pass=cbr}: ABR with the VBV at the bit rate and a 600 ms buffer), and what
 * spice-gtk decodes with {@code h264parse ! avdec_h264} (or whatever decodebin picks): an Annex-B byte stream, one
 * access unit per {@link Encoder#encode} call, each opened by an access unit delimiter, SPS and PPS before every key
 * frame. Ours differs in three ways, on purpose:
 * <ul>
 * <li>at most {@link #MAX_THREADS} slice threads per encoder (x264enc's {@code threads=0} takes one per core);</li>
 * <li>the Constrained Baseline profile, which ultrafast's tools fit anyway, so that any hardware decoder a client's
 *     decodebin may pick can take it;</li>
 * <li>frames are stamped with their multimedia time (milliseconds, timebase 1/1000, made strictly increasing)
 *     rather than by GStreamer's clock, and x264 takes them as constant-frame-rate input at the nominal
 *     {@link #NOMINAL_FPS} (the reference's stream limit, MAX_FPS): variable-frame-rate input would cost a frame of
 *     latency (x264 holds each frame back to learn its duration from the next one's timestamp). So x264 replaces
 *     the timebase by 1/fps, the timestamps only need to grow, and the rate control budgets each frame at
 *     1/{@link #NOMINAL_FPS} s: the bit rate holds as long as frames come no faster than that, and the stream's
 *     bits fall below it when they come slower.</li>
 * </ul>
 * Every frame is output at once (zero latency: no lookahead, no B-frames). Key frames: an IDR when the encoder opens
 * (a new stream, a new size, or after a failure), then intra refresh waves instead of IDRs.
 *
 * <p>4:2:0 needs even sizes: a frame of odd width or height is padded by repeating its last column or row, so the
 * decoded picture is one pixel wider or taller than the frame (H.264 cannot crop single pixels in 4:2:0); the client
 * scales it into the stream's destination box.
 *
 * <p>Nothing is loaded until a display worker first opens an encoder; if libx264 is missing or lacks a function,
 * that first open logs one line and returns null, and so does every later one: H.264 is then not offered.
 */
public final class LibX264 implements VideoEncoder.Factory {
    private static final Logger LOG = LoggerFactory.getLogger(LibX264.class);
    /** The soname of Debian's libx264-164. */
    static final String LIBRARY = "libx264.so.164";
    /** The API version of x264.h this binding matches; x264_encoder_open is exported with it as a suffix. */
    static final int X264_BUILD = 164;
    /** x264.h constants: colour space, picture types (in: let x264 choose; out: what it chose), log level,
     * x264_param_parse errors. */
    static final int X264_CSP_I420 = 0x0002;
    static final int X264_TYPE_AUTO = 0x0000;
    static final int X264_TYPE_IDR = 0x0001;
    static final int X264_TYPE_P = 0x0003;
    static final int X264_LOG_ERROR = 0;
    static final int X264_PARAM_BAD_NAME = -1;
    static final int X264_PARAM_BAD_VALUE = -2;
    /** nal_unit_type_e: the NAL units of our access units. */
    static final int NAL_SLICE = 1;
    static final int NAL_SLICE_IDR = 5;
    static final int NAL_SEI = 6;
    static final int NAL_SPS = 7;
    static final int NAL_PPS = 8;
    static final int NAL_AUD = 9;

    /** Every constant above by its C name, for the test that checks them against x264.h. */
    public static Map<String, Integer> constants() {
        Map<String, Integer> c = new LinkedHashMap<>();
        c.put("X264_BUILD", X264_BUILD);
        c.put("X264_CSP_I420", X264_CSP_I420);
        c.put("X264_TYPE_AUTO", X264_TYPE_AUTO);
        c.put("X264_TYPE_IDR", X264_TYPE_IDR);
        c.put("X264_TYPE_P", X264_TYPE_P);
        c.put("X264_LOG_ERROR", X264_LOG_ERROR);
        c.put("X264_PARAM_BAD_NAME", X264_PARAM_BAD_NAME);
        c.put("X264_PARAM_BAD_VALUE", X264_PARAM_BAD_VALUE);
        c.put("NAL_SLICE", NAL_SLICE);
        c.put("NAL_SLICE_IDR", NAL_SLICE_IDR);
        c.put("NAL_SEI", NAL_SEI);
        c.put("NAL_SPS", NAL_SPS);
        c.put("NAL_PPS", NAL_PPS);
        c.put("NAL_AUD", NAL_AUD);
        return c;
    }

    /** The reference's x264enc settings (see the class comment). */
    static final String PRESET = "ultrafast";
    static final String TUNE = "zerolatency";
    static final String PROFILE = "baseline";
    static final int QP_MIN = 15;
    static final int QP_MAX = 35;
    /** Slice threads per encoder at most (each client's stream has its own encoder). */
    static final int MAX_THREADS = 2;
    /** The frame rate x264 budgets bits for: the reference's stream limit (MAX_FPS in video-stream.h). */
    static final int NOMINAL_FPS = 30;
    /** Milliseconds of the bit rate the VBV buffer holds (x264enc's vbv-buf-capacity default). */
    static final int VBV_BUFFER_MS = 600;
    /** x264enc's bitrate range, in kbit/s. */
    static final int MIN_KBIT = 1;
    static final int MAX_KBIT = 2_048_000;

    private static final AddressLayout PTR = ValueLayout.ADDRESS;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final LibX264 H264 = new LibX264(LIBRARY);

    private final String library;
    /** The library's functions once bound; null before, or for good after a failure (logged once). */
    private Bindings bindings;
    private boolean bindingFailed;

    /** The functions we call. */
    private record Bindings(MethodHandle defaultPreset, MethodHandle parse, MethodHandle applyProfile,
                            MethodHandle open, MethodHandle encode, MethodHandle reconfig, MethodHandle close,
                            MethodHandle pictureInit) {
    }

    /** The codec of the library {@code library} (a soname or path); tests name a missing one. */
    LibX264(String library) {
        this.library = library;
    }

    /** The H.264 encoder factory. Nothing is loaded yet (see the class comment). */
    public static LibX264 h264() {
        return H264;
    }

    @Override
    public int codecType() {
        return VideoEncoder.H264;
    }

    /** The bound functions, or null when the library cannot be used (logged the first time). Any thread. */
    private synchronized Bindings bindings() {
        if (bindings == null && !bindingFailed) {
            try {
                SymbolLookup lib = SymbolLookup.libraryLookup(library, Arena.global());
                bindings = new Bindings(
                        // int x264_param_default_preset(x264_param_t *, const char *preset, const char *tune)
                        Native.bind(lib, "x264_param_default_preset", FunctionDescriptor.of(INT, PTR, PTR, PTR)),
                        // int x264_param_parse(x264_param_t *, const char *name, const char *value)
                        Native.bind(lib, "x264_param_parse", FunctionDescriptor.of(INT, PTR, PTR, PTR)),
                        // int x264_param_apply_profile(x264_param_t *, const char *profile)
                        Native.bind(lib, "x264_param_apply_profile", FunctionDescriptor.of(INT, PTR, PTR)),
                        // x264_t *x264_encoder_open(x264_param_t *): a macro naming the build's symbol
                        Native.bind(lib, "x264_encoder_open_" + X264_BUILD, FunctionDescriptor.of(PTR, PTR)),
                        // int x264_encoder_encode(x264_t *, x264_nal_t **pp_nal, int *pi_nal,
                        //                         x264_picture_t *pic_in, x264_picture_t *pic_out)
                        Native.bind(lib, "x264_encoder_encode", FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR, PTR)),
                        // int x264_encoder_reconfig(x264_t *, x264_param_t *)
                        Native.bind(lib, "x264_encoder_reconfig", FunctionDescriptor.of(INT, PTR, PTR)),
                        Native.bind(lib, "x264_encoder_close", FunctionDescriptor.ofVoid(PTR)),
                        Native.bind(lib, "x264_picture_init", FunctionDescriptor.ofVoid(PTR)));
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                bindingFailed = true;
                LOG.info("H.264 not offered: {} could not be loaded ({})", library, e.getMessage());
            }
        }
        return bindings;
    }


    /**
     * An encoder for the calling thread aiming at {@code bitsPerSecond}, or null when libx264 is not usable. x264
     * itself starts with the first frame, when the size is known.
     */
    @Override
    public Encoder open(long bitsPerSecond) {
        Bindings x264 = bindings();
        return x264 == null ? null : new Encoder(x264, bitsPerSecond);
    }

    /** x264's bitrate unit (kbit/s of 1000 bits) for {@code bitsPerSecond}, within x264enc's range. */
    static int kbit(long bitsPerSecond) {
        return (int) Math.clamp((bitsPerSecond + 500) / 1000, MIN_KBIT, MAX_KBIT);
    }

    /**
     * One stream's encoder: an x264 encoder for the current frame size, its settings and pictures, and the I420
     * planes frames are converted into. Confined to the display worker thread that opened it; not thread-safe.
     */
    public static final class Encoder implements VideoEncoder {
        private final Bindings x264;
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment param = arena.allocate(X264Param.LAYOUT);
        private final MemorySegment pictureIn = arena.allocate(X264Picture.LAYOUT);
        private final MemorySegment pictureOut = arena.allocate(X264Picture.LAYOUT);
        private final MemorySegment nalsCell = arena.allocate(PTR);
        private final MemorySegment nalCountCell = arena.allocate(INT);
        private long bitsPerSecond;
        private boolean closed;
        private boolean failureLogged;
        /** The x264 encoder, or null before the first frame, after a size change's close, or after a failure. */
        private MemorySegment handle;
        /** The frame size the open x264 encoder takes, and its even (padded) size. */
        private int width;
        private int height;
        private int evenWidth;
        private int evenHeight;
        /** The planes of the open size, in an arena of their own. */
        private Arena planeArena;
        private MemorySegment y;
        private MemorySegment u;
        private MemorySegment v;
        /** The last frame's multimedia time and timestamp: timestamps grow by at least 1 ms a frame. */
        private boolean stamped;
        private int lastMmTime;
        private long pts;

        private Encoder(Bindings x264, long bitsPerSecond) {
            this.x264 = x264;
            this.bitsPerSecond = bitsPerSecond;
        }

        @Override
        public int codecType() {
            return VideoEncoder.H264;
        }

        /** The settings of the x264 encoder open now, or of the last one (tests read them). */
        MemorySegment parameters() {
            return param;
        }

        /** The X264_TYPE_* x264 gave the last frame it encoded (tests read it). */
        int lastPictureType() {
            return X264Picture.i_type(pictureOut);
        }

        @Override
        public MemorySegment encode(Bitmap frame, int mmTime, SegmentAllocator alloc) {
            if (closed) {
                throw new IllegalStateException("H.264 encoder closed");
            }
            if ((handle == null || frame.width() != width || frame.height() != height)
                    && !start(frame.width(), frame.height())) {
                return null;
            }
            I420.convert(frame, y, evenWidth, u, v, evenWidth / 2);
            padToEven();
            X264Picture.i_type(pictureIn, X264_TYPE_AUTO);
            X264Picture.i_pts(pictureIn, timestamp(mmTime));
            int size;
            try {
                size = (int) x264.encode().invokeExact(handle, nalsCell, nalCountCell, pictureIn, pictureOut);
            } catch (Throwable t) {
                return failed("x264_encoder_encode threw " + t);
            }
            if (size <= 0) {
                // With zero latency every frame comes out at once: nothing out is an error too.
                return failed("x264_encoder_encode returned " + size + " for a " + width + "x" + height + " frame");
            }
            return accessUnit(size, alloc);
        }

        /** The NAL units of the frame just encoded, copied in order into one segment of {@code size} bytes. */
        private MemorySegment accessUnit(int size, SegmentAllocator alloc) {
            int count = nalCountCell.get(INT, 0);
            if (count <= 0) {
                return failed(count + " NAL units for " + size + " bytes");
            }
            MemorySegment nals = nalsCell.get(PTR, 0).reinterpret(count * X264Nal.sizeof());
            MemorySegment out = alloc.allocate(size);
            long at = 0;
            for (int i = 0; i < count; i++) {
                MemorySegment nal = X264Nal.asSlice(nals, i);
                int length = X264Nal.i_payload(nal);
                if (length <= 0 || at + length > size) {
                    return failed("NAL unit " + i + " of " + count + " has " + length + " bytes, " + at + " of "
                            + size + " taken");
                }
                MemorySegment.copy(X264Nal.p_payload(nal).reinterpret(length), 0, out, at, length);
                at += length;
            }
            if (at != size) {
                return failed(count + " NAL units of " + at + " bytes where x264 said " + size);
            }
            return out;
        }

        /** Repeats the last column and row of an odd-sized frame into the padding x264 encodes. */
        private void padToEven() {
            if (width != evenWidth) {
                for (long row = 0; row < height; row++) {
                    long last = row * evenWidth + width - 1;
                    y.set(ValueLayout.JAVA_BYTE, last + 1, y.get(ValueLayout.JAVA_BYTE, last));
                }
            }
            if (height != evenHeight) {
                MemorySegment.copy(y, (long) (height - 1) * evenWidth, y, (long) height * evenWidth, evenWidth);
            }
            // The chroma planes cover the padding already: I420 rounds their sides up.
        }

        /** The timestamp of a frame shown at {@code mmTime}: the stream's milliseconds, strictly increasing. */
        private long timestamp(int mmTime) {
            if (stamped) {
                pts += Math.max(1, mmTime - lastMmTime); // int arithmetic: mm_time wraps around
            }
            stamped = true;
            lastMmTime = mmTime;
            return pts;
        }

        /** Opens x264 for frames of {@code w} by {@code h} (closing the last one): false on failure (logged). */
        private boolean start(int w, int h) {
            stop();
            if (w <= 0 || h <= 0) {
                failed("a " + w + "x" + h + " frame");
                return false;
            }
            int ew = w + (w & 1);
            int eh = h + (h & 1);
            MemorySegment opened;
            try (Arena strings = Arena.ofConfined()) {
                int rc = (int) x264.defaultPreset().invokeExact(param, strings.allocateFrom(PRESET),
                        strings.allocateFrom(TUNE));
                if (rc < 0) {
                    failed("x264_param_default_preset " + PRESET + "/" + TUNE + " returned " + rc);
                    return false;
                }
                String refused = configure(strings, w, h);
                if (refused != null) {
                    failed(refused);
                    return false;
                }
                X264Param.i_width(param, ew);
                X264Param.i_height(param, eh);
                X264Param.i_timebase_num(param, 1);
                X264Param.i_timebase_den(param, 1000);
                rc = (int) x264.applyProfile().invokeExact(param, strings.allocateFrom(PROFILE));
                if (rc < 0) {
                    failed("x264_param_apply_profile " + PROFILE + " returned " + rc);
                    return false;
                }
                opened = (MemorySegment) x264.open().invokeExact(param);
            } catch (Throwable t) {
                failed("opening x264 threw " + t);
                return false;
            }
            if (opened.equals(MemorySegment.NULL)) {
                failed("x264_encoder_open refused " + w + "x" + h + " (padded to " + ew + "x" + eh + ")");
                return false;
            }
            handle = opened;
            width = w;
            height = h;
            evenWidth = ew;
            evenHeight = eh;
            planeArena = Arena.ofConfined();
            y = planeArena.allocate((long) ew * eh, 64);
            u = planeArena.allocate((long) ew / 2 * eh / 2, 64);
            v = planeArena.allocate((long) ew / 2 * eh / 2, 64);
            try {
                x264.pictureInit().invokeExact(pictureIn);
            } catch (Throwable t) {
                failed("x264_picture_init threw " + t);
                return false;
            }
            MemorySegment img = X264Picture.img(pictureIn);
            X264Image.i_csp(img, X264_CSP_I420);
            X264Image.i_plane(img, 3);
            X264Image.i_stride(img, 0, ew);
            X264Image.i_stride(img, 1, ew / 2);
            X264Image.i_stride(img, 2, ew / 2);
            X264Image.plane(img, 0, y);
            X264Image.plane(img, 1, u);
            X264Image.plane(img, 2, v);
            return true;
        }

        /** The reference's settings by name (see the class comment): null, or why x264 refused one. */
        private String configure(Arena strings, int w, int h) throws Throwable {
            Map<String, String> options = new LinkedHashMap<>();
            options.put("threads", Integer.toString(Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors())));
            options.put("sliced-threads", "1");
            options.put("annexb", "1");
            options.put("aud", "1");
            options.put("repeat-headers", "1");
            options.put("intra-refresh", "1");
            options.put("qpmin", Integer.toString(QP_MIN));
            options.put("qpmax", Integer.toString(QP_MAX));
            options.put("fps", NOMINAL_FPS + "/1");
            options.put("force-cfr", "1"); // as zerolatency: VFR input would hold each frame back one
            options.put("log", Integer.toString(X264_LOG_ERROR));
            options.putAll(rateOptions(bitsPerSecond));
            for (Map.Entry<String, String> o : options.entrySet()) {
                int rc = (int) x264.parse().invokeExact(param, strings.allocateFrom(o.getKey()),
                        strings.allocateFrom(o.getValue()));
                if (rc != 0) {
                    return "x264_param_parse " + o.getKey() + "=" + o.getValue() + " returned " + rc + " for "
                            + w + "x" + h;
                }
            }
            return null;
        }

        /** ABR with the VBV at the bit rate, as x264enc's pass=cbr. */
        private static Map<String, String> rateOptions(long bitsPerSecond) {
            int kbit = kbit(bitsPerSecond);
            String rate = Integer.toString(kbit);
            return Map.of("bitrate", rate, "vbv-maxrate", rate,
                    "vbv-bufsize", Integer.toString(Math.max(1, (int) ((long) kbit * VBV_BUFFER_MS / 1000))));
        }

        @Override
        public void bitRate(long bitsPerSecond) {
            this.bitsPerSecond = bitsPerSecond;
            if (handle == null) {
                return; // the next start uses it
            }
            try (Arena strings = Arena.ofConfined()) {
                for (Map.Entry<String, String> o : rateOptions(bitsPerSecond).entrySet()) {
                    int rc = (int) x264.parse().invokeExact(param, strings.allocateFrom(o.getKey()),
                            strings.allocateFrom(o.getValue()));
                    if (rc != 0) {
                        failed("x264_param_parse " + o.getKey() + "=" + o.getValue() + " returned " + rc);
                        return;
                    }
                }
                int rc = (int) x264.reconfig().invokeExact(handle, param);
                if (rc < 0) {
                    failed("x264_encoder_reconfig to " + bitsPerSecond + " bit/s returned " + rc);
                }
            } catch (Throwable t) {
                failed("x264_encoder_reconfig threw " + t);
            }
        }

        /**
         * Logs a failure (the first at warn, later ones at debug: a broken setup would log every frame) and closes
         * x264, so the next frame starts over with a key frame. Returns null, the frame's result.
         */
        private MemorySegment failed(String why) {
            if (!failureLogged) {
                failureLogged = true;
                LOG.warn("H.264 encoder failed ({}); later failures are logged at debug", why);
            } else {
                LOG.debug("H.264 encoder failed ({})", why);
            }
            stop();
            return null;
        }

        /** Closes the x264 encoder of the current size and its planes, if open. */
        private void stop() {
            if (handle != null) {
                try {
                    x264.close().invokeExact(handle);
                } catch (Throwable t) {
                    LOG.warn("x264_encoder_close failed: {}", t.toString());
                }
                handle = null;
            }
            if (planeArena != null) {
                planeArena.close();
                planeArena = null;
                y = null;
                u = null;
                v = null;
            }
            width = 0;
            height = 0;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            stop();
            arena.close();
        }
    }
}
