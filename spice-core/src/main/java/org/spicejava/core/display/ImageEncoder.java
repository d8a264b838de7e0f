package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.function.Supplier;

import org.spicejava.core.channel.NetworkEstimate;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.compress.JpegEncoder;
import org.spicejava.core.compress.Lz4Image;
import org.spicejava.core.compress.LzImage;
import org.spicejava.core.compress.QuicImage;
import org.spicejava.core.display.draw.Bitmap;

/**
 * One display client's choice of image codec (the reference's dcc compression decision) and the encoding itself.
 * The server's setting (spice_server_set_image_compression) applies unless the client asked for another with
 * PREFERRED_COMPRESSION. Display worker thread.
 *
 * <p>What is here: QUIC, LZ, GLZ (with the session's dictionary of recent images) and LZ4 for clients that decode it,
 * all lossless. As in the reference, the QUIC setting sends every bitmap as QUIC except those too small for it (raw),
 * and the AUTO settings send photo-like bitmaps ({@link Graduality} HIGH) as QUIC, the rest as LZ or GLZ.
 */
public final class ImageEncoder {
    /** SpiceImageCompression values. */
    public static final int OFF = 1;
    public static final int AUTO_GLZ = 2;
    public static final int AUTO_LZ = 3;
    public static final int QUIC = 4;
    public static final int GLZ = 5;
    public static final int LZ = 6;
    public static final int LZ4 = 7;
    /** Wire image types. */
    static final int IMAGE_QUIC = 1;
    static final int IMAGE_LZ_RGB = 101;
    static final int IMAGE_GLZ_RGB = 102;
    static final int IMAGE_LZ4 = 109;
    static final int IMAGE_JPEG = 105;
    static final int IMAGE_ZLIB_GLZ_RGB = 107;
    static final int IMAGE_JPEG_ALPHA = 108;
    /** SPICE_DISPLAY_CAP_LZ4_COMPRESSION: the client decodes LZ4 images. */
    public static final int CAP_LZ4 = 5;
    /** Images smaller than this many bytes go raw, as in the reference (MIN_SIZE_TO_COMPRESS). */
    static final long MIN_SIZE_TO_COMPRESS = 54;
    /** Bitmaps narrower or lower than this are never QUIC (MIN_DIMENSION_TO_QUIC). */
    static final int MIN_DIMENSION_TO_QUIC = 3;
    /** Largest GLZ window a client may announce, in pixels: spice-gtk asks for at most 64 MiB of 4-byte pixels. */
    static final int MAX_GLZ_WINDOW = 16 << 20;

    /**
     * An encoded image: its wire type, the type's fields that come before data_size (little-endian: ZLIB_GLZ_RGB's
     * glz_data_size, JPEG_ALPHA's flags and jpeg_size; empty for the others), and the payload after data_size.
     */
    public record Encoded(int type, byte[] fields, MemorySegment payload) {
        private static final byte[] NONE = new byte[0];

        public Encoded(int type, MemorySegment payload) {
            this(type, NONE, payload);
        }

        /** JPEG and JPEG_ALPHA lose detail; the client's copy is then not the guest's picture. */
        public boolean lossy() {
            return type == IMAGE_JPEG || type == IMAGE_JPEG_ALPHA;
        }
    }

    private final GlzWindow glz;
    private final boolean lz4;
    private int preferred;
    private int glzWindow;
    /** The JPEG and zlib-over-GLZ settings as they apply to this client. */
    private final WanCompression wan;

    /**
     * {@code glz}: the client session's GLZ dictionary, shared by its display channels; {@code lz4}: the client
     * announced the LZ4 capability.
     */
    public ImageEncoder(GlzWindow glz, boolean lz4) {
        this(glz, lz4, new NetworkEstimate(), () -> null);
    }

    /**
     * As above, plus the session's network test result and the worker's JPEG encoder (asked for only when JPEG is
     * in force; null when the host has none), which the WAN settings need.
     */
    public ImageEncoder(GlzWindow glz, boolean lz4, NetworkEstimate network, Supplier<JpegEncoder> jpeg) {
        this.glz = glz;
        this.lz4 = lz4;
        this.wan = new WanCompression(network, jpeg);
    }

    public static boolean valid(int compression) {
        return compression >= OFF && compression <= LZ4;
    }

    /** The client's PREFERRED_COMPRESSION, already checked with {@link #valid}. */
    void prefer(int compression) {
        preferred = compression;
    }

    int preferred() {
        return preferred;
    }

    /** DISPLAY_INIT's GLZ dictionary window, in pixels (clamped by the caller). */
    void glzWindow(int pixels) {
        glzWindow = pixels;
    }

    int glzWindow() {
        return glzWindow;
    }

    /** Whether JPEG is in force under the WAN settings for a client with or without a low bandwidth. */
    boolean jpegInForce(boolean lowBandwidth) {
        return wan.jpegInForce(lowBandwidth);
    }

    /** The setting in force for this client. */
    int setting(int serverSetting) {
        return preferred != 0 ? preferred : serverSetting;
    }

    /** True when a bitmap may be sent other than raw under {@code serverSetting}. */
    boolean compresses(int serverSetting) {
        return setting(serverSetting) != OFF;
    }

    /**
     * Encodes {@code b} for this client, or returns null when it goes raw: compression off, a tiny image, or an
     * encoding no smaller than the raw pixels. Payload memory comes from {@code memory}.
     */
    Encoded encode(Bitmap b, int serverSetting, SegmentAllocator memory) {
        return encode(b, serverSetting, memory, false);
    }

    /**
     * As above; {@code lossyAllowed}: the image may go JPEG when the WAN settings want it (see
     * {@link #jpegAllowed}).
     */
    Encoded encode(Bitmap b, int serverSetting, SegmentAllocator memory, boolean lossyAllowed) {
        long raw = 4L * b.width() * b.height();
        int setting = setting(serverSetting);
        if (setting == OFF || raw < MIN_SIZE_TO_COMPRESS) {
            return null;
        }
        boolean quicFits = b.width() >= MIN_DIMENSION_TO_QUIC && b.height() >= MIN_DIMENSION_TO_QUIC;
        if (setting == QUIC) {
            return quicFits ? photo(b, raw, memory, lossyAllowed) : null;
        }
        if ((setting == AUTO_GLZ || setting == AUTO_LZ) && quicFits && Graduality.of(b) == Graduality.Level.HIGH) {
            return photo(b, raw, memory, lossyAllowed); // as the reference, no LZ when this does not pay: raw
        }
        boolean useGlz = (setting == AUTO_GLZ || setting == GLZ) && (long) b.width() * b.height() < glzWindow;
        Encoded e;
        if (useGlz) {
            e = wan.glz(glz.encode(b, glzWindow, memory), memory); // GLZ_RGB, or ZLIB_GLZ_RGB on a slow link
        } else if (setting == LZ4 && lz4) {
            MemorySegment payload = Lz4Image.encode(b, memory);
            if (payload == null) {
                return null; // the codec failed: raw, as the reference sends it when lz4_encode fails
            }
            e = new Encoded(IMAGE_LZ4, payload);
        } else {
            e = new Encoded(IMAGE_LZ_RGB, LzImage.lz(b, memory));
        }
        // A GLZ image keeps its id even when larger: the client's window needs every id (the reference sends it too).
        return useGlz || e.payload().byteSize() < raw ? e : null;
    }

    /** The server's jpeg and zlib-glz settings (spice_wan_compression_t), as the display channel holds them. */
    void wanCompression(int jpeg, int zlibGlz) {
        wan.settings(jpeg, zlibGlz);
    }

    /**
     * For the photo path: true when JPEG may replace the lossless codec for this client, i.e. the jpeg setting is
     * in force (always, or auto on a low-bandwidth link) and the host has a JPEG codec. The reference then sends
     * JPEG where it would have chosen QUIC (a photo-like image: AUTO_* with high graduality, or the QUIC setting),
     * and only for a source that may go lossy: the src of COPY and ALPHA_BLEND, of OPAQUE without an OR/AND/XOR
     * rop; never brushes, masks, other ops, or images read back from a lossy surface area.
     */
    boolean jpegAllowed() {
        return wan.jpegAllowed();
    }

    /**
     * {@code b} as JPEG, or JPEG_ALPHA when it has alpha (colour as JPEG, alpha plane LZ-coded), at the reference's
     * quality 85; null when JPEG is not allowed or would be larger than the raw pixels (the reference then sends
     * the bitmap raw). Lossy: only for images that may go lossy (see {@link #jpegAllowed}).
     */
    Encoded encodeJpeg(Bitmap b, SegmentAllocator memory) {
        return wan.jpeg(b, memory);
    }

    /**
     * Where the reference picks QUIC: JPEG instead when lossy is allowed for the image and JPEG is in force for this
     * client (a JPEG no smaller than the raw pixels sends the image raw, as the reference does).
     */
    private Encoded photo(Bitmap b, long raw, SegmentAllocator memory, boolean lossyAllowed) {
        if (lossyAllowed && wan.jpegAllowed()) {
            return wan.jpeg(b, memory);
        }
        return quic(b, raw, memory);
    }

    /** QUIC (RGBA for images with alpha), or null when it is no smaller than the raw pixels. */
    private static Encoded quic(Bitmap b, long raw, SegmentAllocator memory) {
        MemorySegment stream = QuicImage.encode(b, raw - 1, memory);
        return stream == null ? null : new Encoded(IMAGE_QUIC, stream);
    }
}
