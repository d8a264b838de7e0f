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
     * Works a pair of rows at a time through Java arrays, so each pixel is read once and the inner loops carry no
     * memory-segment checks.
     */
    public static void convert(Bitmap b, MemorySegment y, int yStride, MemorySegment u, MemorySegment v,
                               int uvStride) {
        int w = b.width();
        int h = b.height();
        int cw = chromaSide(w);
        MemorySegment px = b.pixels();
        int[] top = new int[w];
        int[] bottom = new int[w];
        byte[] yTop = new byte[w];
        byte[] yBottom = new byte[w];
        byte[] uRow = new byte[cw];
        byte[] vRow = new byte[cw];
        for (int row = 0; row < h; row += 2) {
            int next = Math.min(row + 1, h - 1);
            MemorySegment.copy(px, PIXEL, 4L * row * w, top, 0, w);
            MemorySegment.copy(px, PIXEL, 4L * next * w, bottom, 0, w);
            luma(top, yTop, w);
            luma(bottom, yBottom, w);
            chroma(top, bottom, uRow, vRow, w);
            MemorySegment.copy(yTop, 0, y, SAMPLE, (long) row * yStride, w);
            if (next != row) {
                MemorySegment.copy(yBottom, 0, y, SAMPLE, (long) next * yStride, w);
            }
            MemorySegment.copy(uRow, 0, u, SAMPLE, (long) (row / 2) * uvStride, cw);
            MemorySegment.copy(vRow, 0, v, SAMPLE, (long) (row / 2) * uvStride, cw);
        }
    }

    private static void luma(int[] in, byte[] out, int w) {
        for (int x = 0; x < w; x++) {
            int p = in[x];
            out[x] = (byte) (((66 * ((p >> 16) & 0xff) + 129 * ((p >> 8) & 0xff) + 25 * (p & 0xff) + 128) >> 8) + 16);
        }
    }

    /** Each chroma sample from the mean of the 2x2 pixels it covers (the last column repeats on odd widths). */
    private static void chroma(int[] top, int[] bottom, byte[] u, byte[] v, int w) {
        for (int cx = 0; cx < u.length; cx++) {
            int x0 = 2 * cx;
            int x1 = Math.min(x0 + 1, w - 1);
            int p00 = top[x0];
            int p01 = top[x1];
            int p10 = bottom[x0];
            int p11 = bottom[x1];
            int r = (((p00 >> 16) & 0xff) + ((p01 >> 16) & 0xff) + ((p10 >> 16) & 0xff) + ((p11 >> 16) & 0xff) + 2) >> 2;
            int g = (((p00 >> 8) & 0xff) + ((p01 >> 8) & 0xff) + ((p10 >> 8) & 0xff) + ((p11 >> 8) & 0xff) + 2) >> 2;
            int bl = ((p00 & 0xff) + (p01 & 0xff) + (p10 & 0xff) + (p11 & 0xff) + 2) >> 2;
            u[cx] = (byte) (((-38 * r - 74 * g + 112 * bl + 128) >> 8) + 128);
            v[cx] = (byte) (((112 * r - 94 * g - 18 * bl + 128) >> 8) + 128);
        }
    }

    /** Writes {@code b} as one contiguous I420 picture (Y, U, V, tightly packed) at the start of {@code dest}. */
    public static void convert(Bitmap b, MemorySegment dest) {
        long ySize = (long) b.width() * b.height();
        long cSize = (long) chromaSide(b.width()) * chromaSide(b.height());
        convert(b, dest.asSlice(0, ySize), b.width(), dest.asSlice(ySize, cSize), dest.asSlice(ySize + cSize, cSize),
                chromaSide(b.width()));
    }
}
