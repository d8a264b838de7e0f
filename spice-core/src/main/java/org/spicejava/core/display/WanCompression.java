package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Supplier;

import org.spicejava.core.channel.NetworkEstimate;
import org.spicejava.core.compress.JpegEncoder;
import org.spicejava.core.compress.JpegImage;
import org.spicejava.core.compress.ZlibGlz;
import org.spicejava.core.display.draw.Bitmap;

/**
 * One display client's WAN codecs: the server's jpeg and zlib-glz settings (spice_server_set_jpeg_compression,
 * set_zlib_glz_compression) applied to what the session's network test found. Auto means "on a low-bandwidth
 * link" (under 10 Mibit/s, see {@link NetworkEstimate}); always and never mean what they say. Display worker
 * thread; part of the client's {@link ImageEncoder}.
 *
 * <p>The reference decides this once, when a display channel connects (display_channel_update_compression);
 * here it is asked per image, so a network test that ends after the display channel linked still counts.
 */
final class WanCompression {
    /** spice_wan_compression_t. */
    static final int AUTO = 1;
    static final int ALWAYS = 2;
    static final int NEVER = 3;

    private final NetworkEstimate network;
    private final Supplier<JpegEncoder> jpeg;
    private int jpegSetting = AUTO;
    private int zlibGlzSetting = AUTO;
    private ZlibGlz zlib;

    /** {@code jpeg}: the worker's encoder, asked for only when the jpeg setting is in force (null: none). */
    WanCompression(NetworkEstimate network, Supplier<JpegEncoder> jpeg) {
        this.network = network;
        this.jpeg = jpeg;
    }

    void settings(int jpegValue, int zlibGlzValue) {
        jpegSetting = jpegValue;
        zlibGlzSetting = zlibGlzValue;
    }

    private static boolean inForce(int setting, boolean lowBandwidth) {
        return setting == ALWAYS || setting == AUTO && lowBandwidth;
    }

    private boolean inForce(int setting) {
        return inForce(setting, network.lowBandwidth());
    }

    /**
     * Whether images may go lossy for a client with or without a low bandwidth (the reference's enable_jpeg, which
     * also decides the layout of the display's migration data).
     */
    boolean jpegInForce(boolean lowBandwidth) {
        return inForce(jpegSetting, lowBandwidth);
    }

    boolean zlibGlzInForce() {
        return inForce(zlibGlzSetting);
    }

    boolean jpegAllowed() {
        return inForce(jpegSetting) && jpeg.get() != null;
    }

    /**
     * A GLZ payload as this client gets it: wrapped in zlib (ZLIB_GLZ_RGB) when that is in force and the wrap is
     * smaller, as the reference decides, else GLZ_RGB.
     */
    ImageEncoder.Encoded glz(MemorySegment payload, SegmentAllocator memory) {
        if (zlibGlzInForce()) {
            if (zlib == null) {
                zlib = new ZlibGlz();
            }
            MemorySegment wrapped = zlib.wrap(payload, memory);
            if (wrapped != null) {
                // ZLIB_GLZ_RGB: u32 glz_data_size before data_size.
                return new ImageEncoder.Encoded(ImageEncoder.IMAGE_ZLIB_GLZ_RGB,
                        fields(4).putInt((int) payload.byteSize()).array(), wrapped);
            }
        }
        return new ImageEncoder.Encoded(ImageEncoder.IMAGE_GLZ_RGB, payload);
    }

    /** JPEG, or JPEG_ALPHA for a bitmap with alpha; null when not allowed or no smaller than raw. */
    ImageEncoder.Encoded jpeg(Bitmap b, SegmentAllocator memory) {
        if (!jpegAllowed() || b.width() == 0 || b.height() == 0) {
            return null;
        }
        if (b.alpha()) {
            JpegImage.WithAlpha image = JpegImage.jpegAlpha(b, jpeg.get(), JpegImage.QUALITY, memory);
            if (image == null) {
                return null;
            }
            // JPEG_ALPHA: u8 flags, u32 jpeg_size before data_size.
            byte[] fields = fields(5).put((byte) JpegImage.ALPHA_FLAGS_TOP_DOWN).putInt((int) image.jpegSize())
                    .array();
            return new ImageEncoder.Encoded(ImageEncoder.IMAGE_JPEG_ALPHA, fields, image.payload());
        }
        MemorySegment payload = JpegImage.jpeg(b, jpeg.get(), JpegImage.QUALITY, memory);
        return payload == null ? null : new ImageEncoder.Encoded(ImageEncoder.IMAGE_JPEG, payload);
    }

    private static ByteBuffer fields(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
