package org.spicejava.core.compress;

import java.util.Arrays;

/**
 * The fixed tables of QUIC (spice-common's quic.c, an adaptation of Starosolski's SFALIC) for 8-bit channels:
 * the family of limited Golomb-Rice codes, the context buckets, the model's update schedule and the run coder's
 * states. Both ends derive them from the same few constants, so an encoder only has to agree on those.
 */
final class QuicCodes {
    /** Bits per channel sample; QUIC's other depth (5, for 16-bit pixels) is never sent by us. */
    static final int BPC = 8;
    /** Codes in the family: code l sends the low l bits of a value after a unary prefix of the rest. */
    static final int CODES = BPC;
    /** Longest codeword (DEFmaxclen): past it a value is sent with a fixed escape prefix instead. */
    static final int MAX_CODEWORD = 26;
    /** Context buckets per channel (DEFevol 3: buckets of 1, 2, 4, ... contexts). */
    static final int BUCKETS;
    /** The wait mask grows to 2^6 - 1 (DEFwmimax), one step every 2048 pixels of a plane (DEFwminext). */
    static final int MAX_WAIT_INDEX = 6;
    static final int WAIT_STEP = 2048;

    /** Per code l: how many values get a plain Golomb-Rice codeword; the rest get the escape codeword. */
    static final int[] GOLOMB_VALUES = new int[CODES];
    /** Per code l: the escape's zero prefix and the bits of (value - GOLOMB_VALUES[l]) after it. */
    static final int[] ESCAPE_PREFIX = new int[CODES];
    static final int[] ESCAPE_SUFFIX = new int[CODES];

    /** Codeword of value n in code l, at [l * 256 + n]: codeword bits << 5 | length. */
    static final int[] CODEWORD = new int[CODES * 256];
    /**
     * The same by prediction error (mod 256) rather than folded value, at [l * 256 + error]: the hot loops code
     * errors without folding them first.
     */
    static final int[] CODEWORD_OF_ERROR = new int[CODES * 256];
    /** Codeword lengths by value, at [n * 8 + l]: what the model adds up to pick a bucket's best code. */
    static final int[] LENGTH_BY_VALUE = new int[256 * CODES];
    /** Bucket of a context (the previous sample's coded value). */
    static final int[] BUCKET_OF = new int[256];
    /** The contexts of bucket b are BUCKET_START[b] until BUCKET_START[b + 1]. */
    static final int[] BUCKET_START;
    /** The errors whose folded values are the contexts of bucket b: [BUCKET_START[b], BUCKET_START[b + 1]). */
    static final int[] ERRORS_BY_BUCKET = new int[256];
    /** A prediction error (mod 256) folded to 0, -1, 1, -2, 2, ...: 0, 1, 2, 3, 4, ... (xlatU2L). */
    static final int[] FOLD = new int[256];
    /** Counter sum past which a bucket's counters are halved, by wait-mask index (besttrigtab for DEFevol 3). */
    static final int[] HALVING_TRIGGER = {110, 550, 900, 800, 550, 400, 350};

    /**
     * The pseudo-random waits between model updates: tabrand_chaos's entries masked to the 6 bits a wait mask can
     * keep (the mask is at most 2^6 - 1), read in order from index 0.
     */
    static final byte[] WAIT_RANDOM = {
            2, 23, 19, 21, 7, 18, 40, 14, 12, 32, 47, 44, 36, 6, 18, 11, 4, 19, 42, 29, 16, 63, 57, 51, 16, 3, 5, 14,
            15, 30, 20, 9, 36, 45, 3, 57, 61, 0, 8, 5, 41, 14, 43, 27, 43, 59, 31, 35, 39, 60, 42, 38, 13, 54, 62, 1,
            26, 3, 11, 61, 52, 34, 7, 48, 4, 59, 22, 12, 22, 8, 50, 4, 10, 6, 44, 8, 11, 46, 31, 51, 53, 17, 1, 43,
            46, 60, 36, 54, 10, 27, 39, 44, 22, 41, 23, 2, 44, 0, 40, 53, 40, 48, 16, 43, 32, 28, 33, 12, 20, 2, 56,
            62, 55, 58, 18, 20, 13, 55, 38, 29, 57, 19, 49, 33, 47, 63, 59, 0, 35, 61, 19, 25, 46, 38, 60, 4, 35, 1,
            26, 40, 28, 10, 5, 14, 25, 18, 48, 49, 20, 59, 62, 34, 46, 7, 33, 52, 34, 58, 9, 29, 8, 55, 62, 60, 37,
            36, 37, 50, 6, 3, 10, 28, 48, 24, 26, 61, 57, 30, 11, 54, 2, 6, 50, 47, 7, 17, 35, 53, 32, 12, 23, 17, 5,
            21, 49, 55, 51, 45, 52, 27, 39, 25, 39, 63, 22, 24, 42, 52, 56, 38, 41, 41, 56, 32, 13, 24, 26, 51, 27,
            56, 58, 37, 24, 42, 15, 28, 17, 30, 31, 15, 16, 23, 25, 54, 33, 34, 1, 29, 31, 50, 53, 21, 49, 15, 47, 9,
            0, 58, 37, 45, 30, 13, 9, 45, 63, 21};

    /** The run coder's states: in state s a "hit" bit stands for a run of 2^RUN_BITS[s] pixels (melcode's J). */
    static final int[] RUN_BITS = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10,
            11, 12, 13, 14, 15};

    static {
        for (int l = 0; l < CODES; l++) {
            // The escape prefix is as long as the codeword limit allows, but never longer than a prefix that
            // would already cover every value.
            int prefix = Math.min(MAX_CODEWORD - BPC, (1 << (BPC - l)) - 1);
            GOLOMB_VALUES[l] = prefix << l;
            ESCAPE_PREFIX[l] = prefix;
            ESCAPE_SUFFIX[l] = ceilLog2((1 << BPC) - GOLOMB_VALUES[l]);
            for (int n = 0; n < 256; n++) {
                int code;
                int length;
                if (n < GOLOMB_VALUES[l]) { // (n >> l) zeros, a one, the low l bits
                    code = (1 << l) | (n & ((1 << l) - 1));
                    length = (n >> l) + l + 1;
                } else { // the prefix's zeros, then n - GOLOMB_VALUES[l] in the suffix bits
                    code = n - GOLOMB_VALUES[l];
                    length = prefix + ESCAPE_SUFFIX[l];
                }
                CODEWORD[l * 256 + n] = code << 5 | length;
                LENGTH_BY_VALUE[n * CODES + l] = length;
            }
        }
        // Bucket sizes double from 1; the last bucket takes the rest when the next one would not fit.
        int bucket = 0;
        int[] starts = new int[256];
        for (int start = 0, size = 1;; bucket++, start += size, size *= 2) {
            starts[bucket] = start;
            int end = start + size - 1;
            if (end + size >= 256) {
                end = 255;
            }
            for (int v = start; v <= end; v++) {
                BUCKET_OF[v] = bucket;
            }
            if (end == 255) {
                break;
            }
        }
        BUCKETS = bucket + 1;
        starts[BUCKETS] = 256;
        BUCKET_START = Arrays.copyOf(starts, BUCKETS + 1);
        for (int d = 0; d < 256; d++) {
            FOLD[d] = d < 128 ? d << 1 : ((255 - d) << 1) + 1;
        }
        int[] next = Arrays.copyOf(BUCKET_START, BUCKETS);
        for (int d = 0; d < 256; d++) {
            ERRORS_BY_BUCKET[next[BUCKET_OF[FOLD[d]]]++] = d;
            for (int l = 0; l < CODES; l++) {
                CODEWORD_OF_ERROR[l * 256 + d] = CODEWORD[l * 256 + FOLD[d]];
            }
        }
    }

    private QuicCodes() {
    }

    private static int ceilLog2(int v) {
        return 32 - Integer.numberOfLeadingZeros(v - 1);
    }
}
