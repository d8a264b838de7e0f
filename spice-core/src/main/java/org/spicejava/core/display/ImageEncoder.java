package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Supplier;

import org.spicejava.core.channel.NetworkEstimate;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.compress.JpegEncoder;
import org.spicejava.core.compress.JpegImage;
import org.spicejava.core.compress.Lz4Image;
import org.spicejava.core.compress.LzImage;
import org.spicejava.core.compress.ZlibGlz;
import org.spicejava.core.display.draw.Bitmap;

/**
 * One display client's choice of image codec (the reference's dcc compression decision) and the encoding itself.
 * The server's setting (spice_server_set_image_compression) applies unless the client asked for another with
 * PREFERRED_COMPRESSION. Display worker thread.
 *
 * <p>What is here: LZ, GLZ (with the session's dictionary of recent images) and LZ4 for clients that decode it. QUIC falls
 * back to LZ until that codec exists, which keeps every image lossless.
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
    static final int IMAGE_LZ_RGB = 101;
    static final int IMAGE_GLZ_RGB = 102;
    static final int IMAGE_LZ4 = 109;
    static final int IMAGE_JPEG = 105;
    static final int IMAGE_ZLIB_GLZ_RGB = 107;
    static final int IMAGE_JPEG_ALPHA = 108;
    /** spice_wan_compression_t: when JPEG and zlib-over-GLZ are used (auto: on a low-bandwidth link). */
    public static final int WAN_AUTO = 1;
    public static final int WAN_ALWAYS = 2;
    public static final int WAN_NEVER = 3;
    /** SPICE_DISPLAY_CAP_LZ4_COMPRESSION: the client decodes LZ4 images. */
    public static final int CAP_LZ4 = 5;
    /** Images smaller than this many bytes go raw, as in the reference (MIN_SIZE_TO_COMPRESS). */
    static final long MIN_SIZE_TO_COMPRESS = 54;
    /** Largest GLZ window a client may announce, in pixels: spice-gtk asks for at most 64 MiB of 4-byte pixels. */
    static final int MAX_GLZ_WINDOW = 16 << 20;

    /**
     * An encoded image: its wire type, the type's fields that come before data_size (little-endian; empty for
     * most types), and the payload that follows data_size.
     */
    public record Encoded(int type, byte[] fields, MemorySegment payload) {
        private static final byte[] NONE = new byte[0];

        public Encoded(int type, MemorySegment payload) {
            this(type, NONE, payload);
        }

        /** ZLIB_GLZ_RGB: u32 glz_data_size before data_size. */
        static Encoded zlibGlz(long glzSize, MemorySegment zlib) {
            return new Encoded(IMAGE_ZLIB_GLZ_RGB, fields(4).putInt((int) glzSize).array(), zlib);
        }

        /** JPEG_ALPHA: u8 flags, u32 jpeg_size before data_size. */
        static Encoded jpegAlpha(JpegImage.WithAlpha image) {
            byte[] fields = fields(5).put((byte) JpegImage.ALPHA_FLAGS_TOP_DOWN).putInt((int) image.jpegSize())
                    .array();
            return new Encoded(IMAGE_JPEG_ALPHA, fields, image.payload());
        }

        private static ByteBuffer fields(int size) {
            return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private final GlzWindow glz;
    private final boolean lz4;
    private int preferred;
    private int glzWindow;
    /** The client session's network test result, which the WAN settings' auto follows. */
    private final NetworkEstimate network;
    /** The display worker's JPEG encoder (opened when first asked for; null inside when the host has none). */
    private final Supplier<JpegEncoder> jpeg;
    private int jpegWan = WAN_AUTO;
    private int zlibGlzWan = WAN_AUTO;
    private ZlibGlz zlib;

    /**
     * {@code glz}: the client session's GLZ dictionary, shared by its display channels; {@code lz4}: the client
     * announced the LZ4 capability.
     */
    public ImageEncoder(GlzWindow glz, boolean lz4) {
        this(glz, lz4, new NetworkEstimate(), () -> null);
    }

    /**
     * As above, plus the session's network test result ({@code network}) and the worker's JPEG encoder
     * ({@code jpeg}, asked for only when the jpeg setting is in force; it gives null when there is none), for the
     * WAN settings.
     */
    public ImageEncoder(GlzWindow glz, boolean lz4, NetworkEstimate network, Supplier<JpegEncoder> jpeg) {
        this.glz = glz;
        this.lz4 = lz4;
        this.network = network;
        this.jpeg = jpeg;
    }

    /** The server's jpeg and zlib-glz WAN settings (spice_wan_compression_t), as the display channel holds them. */
    void wanCompression(int jpegSetting, int zlibGlzSetting) {
        jpegWan = jpegSetting;
        zlibGlzWan = zlibGlzSetting;
    }

    /**
     * Whether a WAN setting applies to this client: always, or auto on a link the network test found slow. The
     * reference decides this when a display channel connects; here it is asked per image, so a test that ends
     * after the display channel linked still counts.
     */
    private boolean inForce(int wanSetting) {
        return wanSetting == WAN_ALWAYS || wanSetting == WAN_AUTO && network.lowBandwidth();
    }

    /** GLZ images go out wrapped in zlib when smaller (ZLIB_GLZ_RGB). */
    boolean zlibGlzInForce() {
        return inForce(zlibGlzWan);
    }

    /**
     * True when JPEG may replace a lossless codec for this client: the jpeg setting is in force (always, or auto
     * on a low-bandwidth link) and the host has a JPEG codec. The reference then uses JPEG where it would have
     * chosen QUIC (a photo-like image) and only for a source that may go lossy (the src of COPY and ALPHA_BLEND,
     * of OPAQUE without an OR/AND/XOR rop), never for brushes, masks or other ops; see {@link #encodeJpeg}.
     */
    boolean jpegAllowed() {
        return inForce(jpegWan) && jpeg.get() != null;
    }

    /**
     * {@code b} as JPEG, or JPEG_ALPHA when it has alpha (colour as JPEG, then the alpha plane LZ-coded), at the
     * reference's quality; null when JPEG is not allowed or the result would be larger than the raw pixels (the
     * reference then sends the bitmap raw). Lossy: only for images the caller may send lossy.
     */
    Encoded encodeJpeg(Bitmap b, SegmentAllocator memory) {
        if (!jpegAllowed() || b.width() == 0 || b.height() == 0) {
            return null;
        }
        if (b.alpha()) {
            JpegImage.WithAlpha image = JpegImage.jpegAlpha(b, jpeg.get(), JpegImage.QUALITY, memory);
            return image == null ? null : Encoded.jpegAlpha(image);
        }
        MemorySegment payload = JpegImage.jpeg(b, jpeg.get(), JpegImage.QUALITY, memory);
        return payload == null ? null : new Encoded(IMAGE_JPEG, payload);
    }

    /** A GLZ image for this client, wrapped in zlib when that is in force and smaller (as the reference decides). */
    private Encoded glzImage(Bitmap b, SegmentAllocator memory) {
        MemorySegment payload = glz.encode(b, glzWindow, memory);
        if (zlibGlzInForce()) {
            if (zlib == null) {
                zlib = new ZlibGlz();
            }
            MemorySegment wrapped = zlib.wrap(payload, memory);
            if (wrapped != null) {
                return Encoded.zlibGlz(payload.byteSize(), wrapped);
            }
        }
        return new Encoded(IMAGE_GLZ_RGB, payload);
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
        long raw = 4L * b.width() * b.height();
        int setting = setting(serverSetting);
        if (setting == OFF || raw < MIN_SIZE_TO_COMPRESS) {
            return null;
        }
        boolean useGlz = (setting == AUTO_GLZ || setting == GLZ) && (long) b.width() * b.height() < glzWindow;
        Encoded e;
        if (useGlz) {
            e = glzImage(b, memory);
        } else if (setting == LZ4 && lz4) {
            e = new Encoded(IMAGE_LZ4, Lz4Image.encode(b, memory));
        } else {
            e = new Encoded(IMAGE_LZ_RGB, LzImage.lz(b, memory));
        }
        // A GLZ image keeps its id even when larger: the client's window needs every id (the reference sends it too).
        return useGlz || e.payload().byteSize() < raw ? e : null;
    }
}
