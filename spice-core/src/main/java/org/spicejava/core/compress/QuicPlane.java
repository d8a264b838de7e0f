package org.spicejava.core.compress;

import static org.spicejava.core.compress.QuicCodes.CODEWORD_OF_ERROR;

/**
 * Codes the rows of one plane of a QUIC image: the three colour channels of every pixel (RGB), or the alpha
 * channel. Each sample is predicted from its neighbours (left on the first row, above for the first column, else
 * the mean of left and above), the error folded and sent in the code its context's bucket picked; the models
 * learn at pseudo-random pixels. From the second row on, a pixel equal to the two before it, where the row above
 * has no edge either, starts a run of repeats. The order and every rule are those of spice-common's quic_tmpl.c,
 * since its decoder replays them.
 */
final class QuicPlane {
    private static final int RGB = 0x00FFFFFF;
    private final QuicChannel[] channels;
    /** The bits of a pixel that belong to this plane, for runs. */
    private final int sameMask;
    private final QuicPlaneState state = new QuicPlaneState();
    private final QuicBits bits;

    private QuicPlane(QuicBits bits, int sameMask, QuicChannel... channels) {
        this.bits = bits;
        this.sameMask = sameMask;
        this.channels = channels;
    }

    /** Red, green, blue, in that order. */
    static QuicPlane rgb(QuicBits bits, int width) {
        return new QuicPlane(bits, RGB, new QuicChannel(16, width), new QuicChannel(8, width),
                new QuicChannel(0, width));
    }

    static QuicPlane alpha(QuicBits bits, int width) {
        return new QuicPlane(bits, 0xFF000000, new QuicChannel(24, width));
    }

    /** Codes {@code row} (pixels 0xAARRGGBB); {@code above} is the previous row, null for the first. */
    void row(int[] above, int[] row, int width) {
        for (QuicChannel c : channels) {
            c.coded[0] = above == null ? 0 : c.coded[1];
        }
        // The wait mask grows every WAIT_STEP pixels, also in the middle of a row: code the row in pieces.
        int at = 0;
        int left = width;
        while (state.waitGrows() && state.waitLeft <= left) {
            int piece = state.waitLeft;
            piece(above, row, at, at + piece);
            at += piece;
            left -= piece;
            state.growWait();
        }
        if (left > 0) {
            piece(above, row, at, at + left);
            if (state.waitGrows()) {
                state.waitLeft -= left;
            }
        }
    }

    /** Pixels [i, end) of a row, all under one wait mask. */
    private void piece(int[] above, int[] row, int i, int end) {
        int updateAt; // the next pixel after which the models learn
        if (i == 0) {
            codeEdge(above, row, 0);
            if (state.wait > 0) {
                state.wait--;
            } else {
                state.wait = state.randomWait();
                update(0);
            }
            i = 1;
            updateAt = 1 + state.wait;
        } else {
            updateAt = i + state.wait;
        }
        if (above != null && channels.length == 3) {
            state.wait = codeBelowRgb(above, row, i, end, updateAt);
            return;
        }
        int runStart = 0;
        while (i < end) {
            if (above != null && startsRun(above, row, i, runStart)) {
                // The pixels of a run are not coded and do not count towards the wait.
                runStart = i;
                int wait = updateAt - i;
                int length = 0;
                while (i < end && same(row[i], row[i - 1])) {
                    length++;
                    i++;
                }
                state.encodeRun(bits, length);
                if (i == end) {
                    state.wait = wait;
                    return;
                }
                updateAt = i + wait;
                continue;
            }
            int last = Math.min(updateAt, end - 1);
            if (above != null) {
                i = codeBelow(above, row, i, last, runStart);
            } else {
                for (; i <= last; i++) {
                    codeEdge(null, row, i);
                }
            }
            if (i == updateAt + 1) {
                update(updateAt);
                updateAt = i + state.randomWait();
            }
        }
        state.wait = updateAt - end;
    }

    /**
     * The hot loop: {@link #piece}'s work for pixels [i, end) of an RGB row under another, the models' next
     * update after pixel {@code updateAt}; returns the wait left at the end. What a pixel needs from the last (its
     * neighbours, each channel's context, the bit writer's state) stays in locals, so a pixel costs two array
     * reads, two table look-ups a channel and no branch but the run test.
     */
    private int codeBelowRgb(int[] above, int[] row, int i, int end, int updateAt) {
        int[] codedR = channels[0].coded;
        int[] codedG = channels[1].coded;
        int[] codedB = channels[2].coded;
        int[] codeR = channels[0].contextCode;
        int[] codeG = channels[1].contextCode;
        int[] codeB = channels[2].contextCode;
        int[] words = bits.words;
        int wordCount = bits.wordCount;
        long pending = bits.pending;
        int bitCount = bits.bitCount;
        int runStart = 0;
        while (i < end) {
            // After a run the contexts are the row above's values (run pixels are not coded).
            int contextR = codedR[i];
            int contextG = codedG[i];
            int contextB = codedB[i];
            int left = row[i - 1];
            int leftLeft = i > 1 ? row[i - 2] : 0;
            int aboveLeft = above[i - 1];
            int last = Math.min(updateAt, end - 1);
            boolean run = false;
            for (; i <= last; i++) {
                int up = above[i];
                if (i > 2 && i != runStart && ((aboveLeft ^ up) & RGB) == 0 && ((left ^ leftLeft) & RGB) == 0) {
                    run = true;
                    break;
                }
                int pixel = row[i];
                int red = ((pixel >>> 16) - mean(left >>> 16, up >>> 16)) & 0xFF;
                int green = ((pixel >>> 8) - mean(left >>> 8, up >>> 8)) & 0xFF;
                int blue = (pixel - mean(left, up)) & 0xFF;
                int packedR = CODEWORD_OF_ERROR[codeR[contextR] | red];
                int packedG = CODEWORD_OF_ERROR[codeG[contextG] | green];
                int packedB = CODEWORD_OF_ERROR[codeB[contextB] | blue];
                codedR[i + 1] = red;
                codedG[i + 1] = green;
                codedB[i + 1] = blue;
                contextR = red;
                contextG = green;
                contextB = blue;
                // Each codeword: append its bits, store the word they may have completed, count it if they did.
                int length = packedR & 31;
                pending = pending << length | (packedR >>> 5);
                bitCount += length;
                words[wordCount] = (int) (pending >>> (bitCount - 32));
                int full = bitCount >>> 5;
                wordCount += full;
                bitCount -= full << 5;
                length = packedG & 31;
                pending = pending << length | (packedG >>> 5);
                bitCount += length;
                words[wordCount] = (int) (pending >>> (bitCount - 32));
                full = bitCount >>> 5;
                wordCount += full;
                bitCount -= full << 5;
                length = packedB & 31;
                pending = pending << length | (packedB >>> 5);
                bitCount += length;
                words[wordCount] = (int) (pending >>> (bitCount - 32));
                full = bitCount >>> 5;
                wordCount += full;
                bitCount -= full << 5;
                leftLeft = left;
                left = pixel;
                aboveLeft = up;
            }
            if (run) {
                // The pixels of a run are not coded and do not count towards the wait.
                runStart = i;
                int wait = updateAt - i;
                int length = 0;
                while (i < end && ((row[i] ^ left) & RGB) == 0) {
                    length++;
                    i++;
                }
                bits.wordCount = wordCount;
                bits.pending = pending;
                bits.bitCount = bitCount;
                state.encodeRun(bits, length);
                wordCount = bits.wordCount;
                pending = bits.pending;
                bitCount = bits.bitCount;
                if (i == end) {
                    return wait;
                }
                updateAt = i + wait;
            } else if (i == updateAt + 1) {
                update(updateAt);
                updateAt = i + state.randomWait();
            }
        }
        bits.wordCount = wordCount;
        bits.pending = pending;
        bits.bitCount = bitCount;
        return updateAt - end;
    }

    /** The run test of spice-common's RLE_PRED_IMP; a run that ended with nothing to repeat does not restart. */
    private boolean startsRun(int[] above, int[] row, int i, int runStart) {
        return i > 2 && i != runStart && same(above[i - 1], above[i]) && same(row[i - 1], row[i - 2]);
    }

    private boolean same(int a, int b) {
        return ((a ^ b) & sameMask) == 0;
    }

    /**
     * Codes pixels first..last (first > 0) of an alpha row under another, stopping before a pixel after {@code first}
     * that starts a run; returns the pixel after the last one coded.
     */
    private int codeBelow(int[] above, int[] row, int first, int last, int runStart) {
        int i = first;
        for (; i <= last; i++) {
            if (i != first && startsRun(above, row, i, runStart)) {
                break;
            }
            int pixel = row[i];
            bits.codeword(codeword(channels[0], i, ((pixel >>> 24) - mean(row[i - 1] >>> 24, above[i] >>> 24)) & 0xFF));
        }
        return i;
    }

    /** The mean of the left and above samples (each in the low byte): the prediction inside the image. */
    private static int mean(int left, int up) {
        return ((left & 0xFF) + (up & 0xFF)) >>> 1;
    }

    /** Pixel i of the first row (predicted from the left, the first from 0) or of the first column (from above). */
    private void codeEdge(int[] above, int[] row, int i) {
        int pixel = row[i];
        for (QuicChannel c : channels) {
            int s = c.shift;
            int predicted;
            if (i > 0) {
                predicted = (row[i - 1] >>> s) & 0xFF;
            } else {
                predicted = above == null ? 0 : (above[0] >>> s) & 0xFF;
            }
            bits.codeword(codeword(c, i, ((pixel >>> s) - predicted) & 0xFF));
        }
    }

    /** The codeword of sample i of {@code c}, whose prediction error is {@code error}; records the error. */
    private static int codeword(QuicChannel c, int i, int error) {
        int[] coded = c.coded;
        int packed = CODEWORD_OF_ERROR[c.contextCode[coded[i]] | error];
        coded[i + 1] = error;
        return packed;
    }

    /** The models learn from pixel i, coded after the context of pixel i - 1. */
    private void update(int i) {
        for (QuicChannel c : channels) {
            c.update(c.coded[i], c.coded[i + 1], state.trigger);
        }
    }
}
