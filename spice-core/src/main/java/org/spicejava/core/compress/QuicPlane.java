package org.spicejava.core.compress;

import static org.spicejava.core.compress.QuicCodes.CODEWORD;
import static org.spicejava.core.compress.QuicCodes.FOLD;

/**
 * Codes the rows of one plane of a QUIC image: the three colour channels of every pixel (RGB), or the alpha
 * channel. Each sample is predicted from its neighbours (left on the first row, above for the first column, else
 * the mean of left and above), the error folded and sent in the code its context's bucket picked; the models
 * learn at pseudo-random pixels. From the second row on, a pixel equal to the two before it, where the row above
 * has no edge either, starts a run of repeats. The order and every rule are those of spice-common's quic_tmpl.c,
 * since its decoder replays them.
 */
final class QuicPlane {
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
        return new QuicPlane(bits, 0x00FFFFFF, new QuicChannel(16, width), new QuicChannel(8, width),
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
            code(above, row, 0);
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
        int runStart = 0;
        while (i < end) {
            if (above != null && i > 2 && i != runStart && same(above[i - 1], above[i])
                    && same(row[i - 1], row[i - 2])) {
                // A run: the pixels it covers are not coded and do not count towards the wait.
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
            code(above, row, i);
            if (i == updateAt) {
                update(i);
                updateAt = i + 1 + state.randomWait();
            }
            i++;
        }
        state.wait = updateAt - end;
    }

    private boolean same(int a, int b) {
        return ((a ^ b) & sameMask) == 0;
    }

    private void code(int[] above, int[] row, int i) {
        int pixel = row[i];
        for (QuicChannel c : channels) {
            int s = c.shift;
            int predicted;
            if (above != null && i > 0) {
                predicted = (((row[i - 1] >>> s) & 0xFF) + ((above[i] >>> s) & 0xFF)) >>> 1;
            } else if (i > 0) {
                predicted = (row[i - 1] >>> s) & 0xFF;
            } else {
                predicted = above == null ? 0 : (above[0] >>> s) & 0xFF;
            }
            int value = FOLD[((pixel >>> s) - predicted) & 0xFF];
            bits.codeword(CODEWORD[c.codeAfter(c.coded[i]) << 8 | value]);
            c.coded[i + 1] = value;
        }
    }

    /** The models learn from pixel i, coded after the context of pixel i - 1. */
    private void update(int i) {
        for (QuicChannel c : channels) {
            c.update(c.coded[i], c.coded[i + 1], state.trigger);
        }
    }
}
