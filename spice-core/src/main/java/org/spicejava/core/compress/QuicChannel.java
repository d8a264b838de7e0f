package org.spicejava.core.compress;

import java.util.Arrays;

import static org.spicejava.core.compress.QuicCodes.BUCKETS;
import static org.spicejava.core.compress.QuicCodes.BUCKET_OF;
import static org.spicejava.core.compress.QuicCodes.BUCKET_START;
import static org.spicejava.core.compress.QuicCodes.CODES;
import static org.spicejava.core.compress.QuicCodes.ERRORS_BY_BUCKET;
import static org.spicejava.core.compress.QuicCodes.FOLD;
import static org.spicejava.core.compress.QuicCodes.LENGTH_BY_VALUE;

/**
 * One colour channel's adaptive model: its samples' prediction errors along the current row (the context of each
 * sample is the error coded before it, folded) and, per context bucket, the cost each code would have had so far
 * and the cheapest one. Reset for every image, as spice-common resets its encoder's channels.
 */
final class QuicChannel {
    /** Bit offset of the channel in a 0xAARRGGBB pixel. */
    final int shift;
    /**
     * Coded prediction errors (mod 256) of the row, pixel i at [i + 1]; [0] is the context of pixel 0 (0 on the
     * first row, else the previous row's first error). Run pixels are not coded and keep the error of a row above.
     */
    final int[] coded;
    /** Index of the code each bucket uses now. */
    final int[] bestCode = new int[BUCKETS];
    /**
     * The same by the error that makes the context, shifted to index {@link QuicCodes#CODEWORD_OF_ERROR}: the
     * codeword of error e after error c is CODEWORD_OF_ERROR[contextCode[c] | e], two look-ups where folding both
     * and finding the bucket take five.
     */
    final int[] contextCode = new int[256];
    private final int[] counters = new int[BUCKETS * CODES];

    QuicChannel(int shift, int width) {
        this.shift = shift;
        this.coded = new int[width + 1];
        Arrays.fill(bestCode, CODES - 1);
        Arrays.fill(contextCode, (CODES - 1) << 8);
    }

    /**
     * Adds what error {@code error} costs in each code to the counters of the bucket of the context error
     * {@code context} and picks its cheapest code (the longest code wins ties); halves the counters once the
     * cheapest sum passes {@code trigger}, so the model follows the image.
     */
    void update(int context, int error, int trigger) {
        int bucket = BUCKET_OF[FOLD[context]];
        int base = bucket * CODES;
        int lengths = FOLD[error] * CODES;
        int best = CODES - 1;
        int bestSum = counters[base + best] += LENGTH_BY_VALUE[lengths + best];
        for (int l = CODES - 2; l >= 0; l--) {
            int sum = counters[base + l] += LENGTH_BY_VALUE[lengths + l];
            if (sum < bestSum) {
                best = l;
                bestSum = sum;
            }
        }
        if (best != bestCode[bucket]) {
            bestCode[bucket] = best;
            for (int k = BUCKET_START[bucket]; k < BUCKET_START[bucket + 1]; k++) {
                contextCode[ERRORS_BY_BUCKET[k]] = best << 8;
            }
        }
        if (bestSum > trigger) {
            for (int l = 0; l < CODES; l++) {
                counters[base + l] >>= 1;
            }
        }
    }
}
