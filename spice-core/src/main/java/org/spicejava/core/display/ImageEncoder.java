package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import org.spicejava.core.compress.GlzWindow;
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
    /** SPICE_DISPLAY_CAP_LZ4_COMPRESSION: the client decodes LZ4 images. */
    public static final int CAP_LZ4 = 5;
    /** Images smaller than this many bytes go raw, as in the reference (MIN_SIZE_TO_COMPRESS). */
    static final long MIN_SIZE_TO_COMPRESS = 54;
    /** Bitmaps narrower or lower than this are never QUIC (MIN_DIMENSION_TO_QUIC). */
    static final int MIN_DIMENSION_TO_QUIC = 3;
    /** Largest GLZ window a client may announce, in pixels: spice-gtk asks for at most 64 MiB of 4-byte pixels. */
    static final int MAX_GLZ_WINDOW = 16 << 20;

    /** An encoded image: its wire type and the payload that follows data_size. */
    public record Encoded(int type, MemorySegment payload) {
    }

    private final GlzWindow glz;
    private final boolean lz4;
    private int preferred;
    private int glzWindow;

    /**
     * {@code glz}: the client session's GLZ dictionary, shared by its display channels; {@code lz4}: the client
     * announced the LZ4 capability.
     */
    public ImageEncoder(GlzWindow glz, boolean lz4) {
        this.glz = glz;
        this.lz4 = lz4;
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
        boolean quicFits = b.width() >= MIN_DIMENSION_TO_QUIC && b.height() >= MIN_DIMENSION_TO_QUIC;
        if (setting == QUIC) {
            return quicFits ? quic(b, raw, memory) : null;
        }
        if ((setting == AUTO_GLZ || setting == AUTO_LZ) && quicFits && Graduality.of(b) == Graduality.Level.HIGH) {
            return quic(b, raw, memory); // as the reference, no LZ when QUIC does not pay: the image goes raw
        }
        boolean useGlz = (setting == AUTO_GLZ || setting == GLZ) && (long) b.width() * b.height() < glzWindow;
        Encoded e;
        if (useGlz) {
            e = new Encoded(IMAGE_GLZ_RGB, glz.encode(b, glzWindow, memory));
        } else if (setting == LZ4 && lz4) {
            e = new Encoded(IMAGE_LZ4, Lz4Image.encode(b, memory));
        } else {
            e = new Encoded(IMAGE_LZ_RGB, LzImage.lz(b, memory));
        }
        // A GLZ image keeps its id even when larger: the client's window needs every id (the reference sends it too).
        return useGlz || e.payload().byteSize() < raw ? e : null;
    }

    /** QUIC (RGBA for images with alpha), or null when it is no smaller than the raw pixels. */
    private static Encoded quic(Bitmap b, long raw, SegmentAllocator memory) {
        MemorySegment stream = QuicImage.encode(b, raw - 1, memory);
        return stream == null ? null : new Encoded(IMAGE_QUIC, stream);
    }
}
