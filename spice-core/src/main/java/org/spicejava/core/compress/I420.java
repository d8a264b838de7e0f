package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.spicejava.core.display.draw.Bitmap;

/**
 * Planar 4:2:0 YUV (I420: a full-size Y plane, then U and V at half width and height, rounded up) from our 0xXXRRGGBB
 * bitmaps, as the video codecs take it. BT.601 studio range, which decoders assume when a stream says nothing else.
 * Each chroma sample is the mean of the 2x2 pixels it covers (of those inside the picture).
 */
public final class I420 {
    private static final ValueLayout.OfInt PIXEL = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfByte SAMPLE = ValueLayout.JAVA_BYTE;

    private I420() {
    }

    /** Width (and height) of a chroma plane for a picture {@code side} pixels wide (or high). */
    public static int chromaSide(int side) {
        return (side + 1) / 2;
    }

    /** Bytes of an I420 picture of this size. */
    public static long size(int width, int height) {
        return (long) width * height + 2L * chromaSide(width) * chromaSide(height);
    }

    /**
     * Writes {@code b} into {@code y}, {@code u}, {@code v} with the given row strides (at least the plane widths).
     */
    public static void convert(Bitmap b, MemorySegment y, int yStride, MemorySegment u, MemorySegment v,
                               int uvStride) {
        int w = b.width();
        int h = b.height();
        MemorySegment px = b.pixels();
        for (int row = 0; row < h; row++) {
            long in = 4L * row * w;
            long out = (long) row * yStride;
            for (int x = 0; x < w; x++) {
                int p = px.get(PIXEL, in + 4L * x);
                y.set(SAMPLE, out + x, luma((p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff));
            }
        }
        int cw = chromaSide(w);
        int ch = chromaSide(h);
        for (int cy = 0; cy < ch; cy++) {
            int y0 = 2 * cy;
            int y1 = Math.min(y0 + 1, h - 1);
            long out = (long) cy * uvStride;
            for (int cx = 0; cx < cw; cx++) {
                int x0 = 2 * cx;
                int x1 = Math.min(x0 + 1, w - 1);
                int p00 = px.get(PIXEL, 4L * ((long) y0 * w + x0));
                int p01 = px.get(PIXEL, 4L * ((long) y0 * w + x1));
                int p10 = px.get(PIXEL, 4L * ((long) y1 * w + x0));
                int p11 = px.get(PIXEL, 4L * ((long) y1 * w + x1));
                int r = (((p00 >> 16) & 0xff) + ((p01 >> 16) & 0xff) + ((p10 >> 16) & 0xff) + ((p11 >> 16) & 0xff)
                        + 2) >> 2;
                int g = (((p00 >> 8) & 0xff) + ((p01 >> 8) & 0xff) + ((p10 >> 8) & 0xff) + ((p11 >> 8) & 0xff)
                        + 2) >> 2;
                int bl = ((p00 & 0xff) + (p01 & 0xff) + (p10 & 0xff) + (p11 & 0xff) + 2) >> 2;
                u.set(SAMPLE, out + cx, (byte) (((-38 * r - 74 * g + 112 * bl + 128) >> 8) + 128));
                v.set(SAMPLE, out + cx, (byte) (((112 * r - 94 * g - 18 * bl + 128) >> 8) + 128));
            }
        }
    }

    /** Writes {@code b} as one contiguous I420 picture (Y, U, V, tightly packed) at the start of {@code dest}. */
    public static void convert(Bitmap b, MemorySegment dest) {
        long ySize = (long) b.width() * b.height();
        long cSize = (long) chromaSide(b.width()) * chromaSide(b.height());
        convert(b, dest.asSlice(0, ySize), b.width(), dest.asSlice(ySize, cSize), dest.asSlice(ySize + cSize, cSize),
                chromaSide(b.width()));
    }

    private static byte luma(int r, int g, int b) {
        return (byte) (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
    }
}
