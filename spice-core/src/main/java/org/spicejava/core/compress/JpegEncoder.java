package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import org.spicejava.core.display.draw.Bitmap;

/**
 * A baseline JPEG encoder for the colour of a bitmap (its top byte, alpha or padding, is ignored). spice-core has
 * no JPEG codec of its own: the host side supplies one through a {@link Factory} (spice-ffi binds libturbojpeg),
 * and without one JPEG is simply not offered. An encoder belongs to the thread that opened it.
 */
public interface JpegEncoder extends AutoCloseable {
    /** The most bytes a JPEG of a {@code width} x {@code height} image can take: the room {@link #encode} needs. */
    long maxSize(int width, int height);

    /**
     * Encodes {@code b} at {@code quality} (1-100) into the start of {@code dest}, which has at least
     * {@link #maxSize} bytes. Returns the JPEG's length, or -1 when the codec refused the image.
     */
    long encode(Bitmap b, int quality, MemorySegment dest);

    /** Encodes into memory from {@code alloc}; null when the codec refused the image. */
    default MemorySegment encode(Bitmap b, int quality, SegmentAllocator alloc) {
        long room = maxSize(b.width(), b.height());
        if (room <= 0) {
            return null;
        }
        MemorySegment out = alloc.allocate(room, 8);
        long size = encode(b, quality, out);
        return size < 0 ? null : out.asSlice(0, size);
    }

    /** Frees the codec's native state; on the thread that opened it. */
    @Override
    void close();

    /** Opens encoders: a display worker opens one on its own thread when it first needs one. */
    @FunctionalInterface
    interface Factory {
        /** A new encoder for the calling thread, or null when the codec turned out to be unavailable. */
        JpegEncoder open();
    }
}
