package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.spicejava.core.display.draw.Bitmap;

/**
 * QUIC image payloads (what follows the data_size of SpiceQUICData): spice-common's lossless predictive coder for
 * photo-like content. A stream of little-endian 32-bit words: magic "QUIC", version 0, type (RGB32, or RGBA for
 * images with alpha), width, height, then the rows top-down, each as its RGB plane and then, for RGBA, its alpha
 * plane (see {@link QuicPlane}), then padding and one zero word.
 */
public final class QuicImage {
    /** "QUIC" read as a little-endian word. */
    static final int MAGIC = 0x43495551;
    static final int VERSION = 0;
    /** QuicImageType. */
    static final int TYPE_RGB32 = 4;
    static final int TYPE_RGBA = 5;
    static final int HEADER = 20;
    /** Most a pixel costs in one plane besides its codewords: the end of a run of none before it. */
    private static final int MAX_RUN_END = QuicCodes.RUN_BITS[QuicCodes.RUN_BITS.length - 1] + 1;
    private static final ValueLayout.OfInt PIXEL = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private QuicImage() {
    }

    private static long worstRowBits(int width, boolean alpha) {
        long perPixel = 3L * QuicCodes.MAX_CODEWORD + MAX_RUN_END
                + (alpha ? QuicCodes.MAX_CODEWORD + MAX_RUN_END : 0);
        return width * perPixel;
    }

    /**
     * The most a stream of this image can take: every sample in the longest codeword, every pixel after an empty
     * run (a run pixel costs at most one bit, and a run's end is counted by its first pixel), and the ending.
     */
    static long worstCase(int width, int height, boolean alpha) {
        long bits = height * worstRowBits(width, alpha);
        return HEADER + (bits + 31) / 32 * 4 + 4;
    }

    /** The QUIC stream of {@code b}. */
    public static MemorySegment encode(Bitmap b, SegmentAllocator alloc) {
        return encode(b, Long.MAX_VALUE, alloc);
    }

    /**
     * The QUIC stream of {@code b}, or null when it would take more than {@code maxBytes} (the encoder then stops
     * at the end of the row that passes the limit, so the memory taken stays near {@code maxBytes}).
     */
    public static MemorySegment encode(Bitmap b, long maxBytes, SegmentAllocator alloc) {
        int width = b.width();
        int height = b.height();
        if (width == 0 || height == 0) {
            throw new IllegalArgumentException("QUIC cannot carry an empty image");
        }
        if (maxBytes < HEADER) {
            return null;
        }
        long worst = worstCase(width, height, b.alpha());
        int rowWords = (int) ((worstRowBits(width, b.alpha()) + 31) / 32);
        long rowWorst = 4L * rowWords + 8;
        long bound = maxBytes >= worst - rowWorst ? worst : maxBytes + rowWorst;
        ByteSink out = new ByteSink(alloc.allocate(bound, 8));
        out.u32le(MAGIC);
        out.u32le(VERSION);
        out.u32le(b.alpha() ? TYPE_RGBA : TYPE_RGB32);
        out.u32le(width);
        out.u32le(height);
        QuicBits bits = new QuicBits(out, rowWords); // flushed after every row
        QuicPlane rgb = QuicPlane.rgb(bits, width);
        QuicPlane alpha = b.alpha() ? QuicPlane.alpha(bits, width) : null;
        MemorySegment pixels = b.pixels();
        int[] above = null;
        int[] row = new int[width];
        int[] spare = new int[width];
        for (int y = 0; y < height; y++) {
            MemorySegment.copy(pixels, PIXEL, 4L * y * width, row, 0, width);
            rgb.row(above, row, width);
            if (alpha != null) {
                alpha.row(above, row, width);
            }
            bits.flush();
            if (out.position() > maxBytes) {
                return null;
            }
            int[] done = row;
            row = above == null ? spare : above;
            above = done;
        }
        bits.finish();
        return out.position() > maxBytes ? null : out.written();
    }
}
