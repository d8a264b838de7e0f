package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import org.spicejava.core.display.draw.Bitmap;

/**
 * JPEG (image type 105) and JPEG_ALPHA (108) payloads, what follows data_size in SpiceJPEGData and
 * SpiceJPEGAlphaData. JPEG_ALPHA carries the colour as a JPEG and, right after it, the alpha plane as an LZ image
 * of type XXXA ({@link LzImage#alphaPlane}); its jpeg_size field says where the JPEG ends. Like the reference, an
 * image whose encoding is larger than its raw pixels is refused (null): the caller sends it another way.
 */
public final class JpegImage {
    /** The reference's quality (its display channel client sets 85 and never changes it). */
    public static final int QUALITY = 85;
    /** SPICE_JPEG_ALPHA_FLAGS_TOP_DOWN: the alpha plane's rows go top-down (ours always do). */
    public static final int ALPHA_FLAGS_TOP_DOWN = 1;

    private JpegImage() {
    }

    /** A JPEG_ALPHA payload and where its JPEG part ends. */
    public record WithAlpha(MemorySegment payload, long jpegSize) {
    }

    /** The JPEG of {@code b}'s colour, or null when the codec failed or it would be larger than the raw pixels. */
    public static MemorySegment jpeg(Bitmap b, JpegEncoder encoder, int quality, SegmentAllocator alloc) {
        MemorySegment out = encoder.encode(b, quality, alloc);
        return out == null || out.byteSize() > raw(b) ? null : out;
    }

    /** The JPEG of {@code b}'s colour followed by its alpha plane, or null as for {@link #jpeg}. */
    public static WithAlpha jpegAlpha(Bitmap b, JpegEncoder encoder, int quality, SegmentAllocator alloc) {
        long room = encoder.maxSize(b.width(), b.height());
        if (room <= 0) {
            return null;
        }
        MemorySegment out = alloc.allocate(room + LzImage.alphaPlaneWorstCase(b), 8);
        long jpegSize = encoder.encode(b, quality, out.asSlice(0, room));
        if (jpegSize < 0 || jpegSize > raw(b)) {
            return null;
        }
        ByteSink alpha = new ByteSink(out.asSlice(jpegSize));
        LzImage.alphaPlane(b, alpha);
        long total = jpegSize + alpha.position();
        return total > raw(b) ? null : new WithAlpha(out.asSlice(0, total), jpegSize);
    }

    private static long raw(Bitmap b) {
        return 4L * b.width() * b.height();
    }
}
