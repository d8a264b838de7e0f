package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import org.spicejava.core.display.draw.Bitmap;

/**
 * LZ_RGB and GLZ_RGB image payloads (what follows the data_size of SpiceLZRGBData) for 32-bit pixels: a big-endian
 * header, then the RGB stream, then for images with alpha the alpha stream (type RGBA). Rows go top-down.
 */
public final class LzImage {
    /** "LZ  " and version 1.1, as spice-common's lz_common.h defines them. */
    static final int MAGIC = 0x20205A4C;
    static final int VERSION = 0x00010001;
    /** LzImageType. */
    static final int TYPE_RGB32 = 8;
    static final int TYPE_RGBA = 9;
    /** The alpha plane alone (JPEG_ALPHA's second part). */
    static final int TYPE_XXXA = 10;
    static final int LZ_HEADER = 28;
    static final int GLZ_HEADER = 33;

    private LzImage() {
    }

    private static long worstCase(Bitmap b, int header) {
        long pixels = (long) b.width() * b.height();
        return header + LzStream.worstCase(pixels, LzStream.Plane.RGB)
                + (b.alpha() ? LzStream.worstCase(pixels, LzStream.Plane.ALPHA) : 0);
    }

    private static void body(Bitmap b, LzStream.Format format, ByteSink out) {
        int pixels = b.width() * b.height();
        LzStream.encode(b.pixels(), pixels, LzStream.Plane.RGB, format, out);
        if (b.alpha()) {
            LzStream.encode(b.pixels(), pixels, LzStream.Plane.ALPHA, format, out);
        }
    }

    /** An LZ_RGB payload. */
    public static MemorySegment lz(Bitmap b, SegmentAllocator alloc) {
        ByteSink out = new ByteSink(alloc.allocate(worstCase(b, LZ_HEADER), 8));
        out.u32be(MAGIC);
        out.u32be(VERSION);
        out.u32be(b.alpha() ? TYPE_RGBA : TYPE_RGB32);
        out.u32be(b.width());
        out.u32be(b.height());
        out.u32be(4 * b.width());
        out.u32be(1); // top-down
        body(b, LzStream.Format.LZ, out);
        return out.written();
    }

    /** The most bytes {@link #alphaPlane} can write for {@code b}. */
    static long alphaPlaneWorstCase(Bitmap b) {
        return LZ_HEADER + LzStream.worstCase((long) b.width() * b.height(), LzStream.Plane.ALPHA);
    }

    /**
     * The alpha plane of {@code b} as an LZ image of type XXXA (the LZ header, then the alpha stream alone), as
     * JPEG_ALPHA appends it to its JPEG. The client decodes it into the alpha bytes of the JPEG's pixels.
     */
    static void alphaPlane(Bitmap b, ByteSink out) {
        out.u32be(MAGIC);
        out.u32be(VERSION);
        out.u32be(TYPE_XXXA);
        out.u32be(b.width());
        out.u32be(b.height());
        out.u32be(4 * b.width());
        out.u32be(1); // top-down
        LzStream.encode(b.pixels(), b.width() * b.height(), LzStream.Plane.ALPHA, LzStream.Format.LZ, out);
    }

    /**
     * A GLZ_RGB payload with window id {@code imageId} whose references stay in this image; its window head
     * distance is 0, so the client keeps no older image for it. (A session's images go through {@link GlzWindow}.)
     */
    public static MemorySegment glz(Bitmap b, long imageId, SegmentAllocator alloc) {
        ByteSink out = glzHeader(b, imageId, 0, alloc);
        body(b, LzStream.Format.GLZ, out);
        return out.written();
    }

    /** A sink as large as any GLZ payload of {@code b} can be, with the GLZ header written. */
    static ByteSink glzHeader(Bitmap b, long imageId, long headDistance, SegmentAllocator alloc) {
        ByteSink out = new ByteSink(alloc.allocate(worstCase(b, GLZ_HEADER), 8));
        out.u32be(MAGIC);
        out.u32be(VERSION);
        out.u8((b.alpha() ? TYPE_RGBA : TYPE_RGB32) | 0x10); // type, top-down
        out.u32be(b.width());
        out.u32be(b.height());
        out.u32be(4 * b.width());
        out.u64be(imageId);
        out.u32be((int) headDistance);
        return out;
    }
}
