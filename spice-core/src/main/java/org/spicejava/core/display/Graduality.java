package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.spicejava.core.display.draw.Bitmap;

/**
 * How photo-like a bitmap is, by the reference's sampling test (spice-server's bitmap_get_graduality_level):
 * every 15th pixel is compared with its right, lower and lower-right neighbours. Equal pairs score +0.5, pairs
 * differing by 60 or more in a channel (an edge) +1, other differing pairs (a gradient) -0.25; a pixel equal to all
 * three scores 0. The mean per pair, below -0.03, means HIGH: mostly soft changes, what QUIC codes better than LZ.
 * A pure function; display worker.
 */
public final class Graduality {
    /** BitmapGradualType's levels that the test returns. */
    public enum Level {
        LOW, MEDIUM, HIGH
    }

    static final int SAMPLE_JUMP = 15;
    static final int CONTRAST = 60;
    /** The pair scores (+0.5, +1, -0.25) in quarters: the sum stays an exact integer, and needs no FPU. */
    private static final int SAME_QUARTERS = 2;
    private static final int EDGE_QUARTERS = 4;
    private static final int GRADIENT_QUARTERS = -1;
    /** Thresholds on the mean score (GRADUAL_HIGH_RGB24_TH; GRADUAL_MEDIUM_SCORE_TH, which streaming uses). */
    static final double HIGH_BELOW = -0.03;
    static final double MEDIUM_BELOW = 0.002;

    private static final ValueLayout.OfInt PIXEL = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Graduality() {
    }

    public static Level of(Bitmap b) {
        double score = meanScore(b);
        return score < HIGH_BELOW ? Level.HIGH : score < MEDIUM_BELOW ? Level.MEDIUM : Level.LOW;
    }

    /** The mean score per compared pair; 1.0 (not gradual) for an image of one row or column. */
    static double meanScore(Bitmap b) {
        int width = b.width();
        int height = b.height();
        if (width <= 1 || height <= 1) {
            return 1.0;
        }
        MemorySegment px = b.pixels();
        // A jump that divides the width would sample one column only.
        int jump = SAMPLE_JUMP % width != 0 ? SAMPLE_JUMP : SAMPLE_JUMP - 1;
        long lastRow = (long) (height - 1) * width;
        long quarters = 0;
        int squares = 0;
        int column = width / 2; // at % width, kept by hand: a division per sample cost more than the sample
        for (long at = width / 2; at < lastRow; ) {
            if (column == width - 1) {
                at--; // the last pixel of a row has no right neighbour; the walk goes on from here
                column--;
            }
            quarters += squareScore(pixel(px, at), pixel(px, at + 1), pixel(px, at + width), pixel(px, at + width + 1));
            squares++;
            at += jump;
            column += jump;
            while (column >= width) {
                column -= width;
            }
        }
        return quarters / 4.0 / (squares * 3); // the reference's double sum, exactly: quarters are exact in a double
    }

    private static int pixel(MemorySegment px, long index) {
        return px.get(PIXEL, 4 * index);
    }

    private static int squareScore(int p, int right, int below, int belowRight) {
        int a = pairScore(p, right);
        int b = pairScore(p, below);
        int c = pairScore(p, belowRight);
        return a == SAME_QUARTERS && b == SAME_QUARTERS && c == SAME_QUARTERS ? 0 : a + b + c;
    }

    /** An edge when any of red, green and blue differs by CONTRAST or more; equal pixels, the common case, first. */
    private static int pairScore(int p, int q) {
        if (((p ^ q) & 0xFFFFFF) == 0) {
            return SAME_QUARTERS;
        }
        boolean edge = Math.abs(((p >>> 16) & 0xFF) - ((q >>> 16) & 0xFF)) >= CONTRAST
                || Math.abs(((p >>> 8) & 0xFF) - ((q >>> 8) & 0xFF)) >= CONTRAST
                || Math.abs((p & 0xFF) - (q & 0xFF)) >= CONTRAST;
        return edge ? EDGE_QUARTERS : GRADIENT_QUARTERS;
    }
}
