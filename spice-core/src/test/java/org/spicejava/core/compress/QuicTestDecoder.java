package org.spicejava.core.compress;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A strict decoder of QUIC streams, written from the format for the tests (its tables are derived here, not taken
 * from the encoder). Beyond decoding it checks what spice-common's decoder needs or would refuse: magic, version,
 * a known type, runs that stay in their row, and a stream that ends as the reference's encoder ends it (zero
 * padding, then exactly one zero word, read ahead by the decoder). Returns 0xAARRGGBB pixels (alpha 0 for RGB32).
 */
public final class QuicTestDecoder {
    /** Codeword length limit and the model constants of spice-common's quic.c. */
    private static final int LIMIT = 26;
    private static final int[] TRIGGER = {110, 550, 900, 800, 550, 400, 350};
    private static final int[] MELCODE = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7,
            8, 9, 10, 11, 12, 13, 14, 15};
    private static final int[] GOLOMB_LIMIT = new int[8];
    private static final int[] ESCAPE_ZEROS = new int[8];
    private static final int[] ESCAPE_BITS = new int[8];

    static {
        for (int l = 0; l < 8; l++) {
            ESCAPE_ZEROS[l] = Math.min(LIMIT - 8, 255 >> l);
            GOLOMB_LIMIT[l] = ESCAPE_ZEROS[l] << l;
            int escapes = 256 - GOLOMB_LIMIT[l];
            int bits = 0;
            while ((1 << bits) < escapes) {
                bits++;
            }
            ESCAPE_BITS[l] = bits;
        }
    }

    public record Decoded(int type, int width, int height, int[] pixels) {
    }

    private final int[] words;
    private long bit;

    private QuicTestDecoder(byte[] data) {
        check(data.length % 4 == 0, "stream of " + data.length + " bytes is not whole words");
        words = new int[data.length / 4];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(words);
    }

    public static Decoded decode(byte[] data) {
        return new QuicTestDecoder(data).decode();
    }

    private Decoded decode() {
        check(read(32) == 0x43495551, "magic");
        check(read(32) == 0, "version");
        int type = read(32);
        check(type == QuicImage.TYPE_RGB32 || type == QuicImage.TYPE_RGBA, "type " + type);
        int width = read(32);
        int height = read(32);
        check(width > 0 && height > 0, "size " + width + "x" + height);
        Plane rgb = new Plane(width, 0xFFFFFF, 16, 8, 0);
        Plane alpha = type == QuicImage.TYPE_RGBA ? new Plane(width, 0xFF000000, 24) : null;
        int[] pixels = new int[width * height];
        int[] above = null;
        for (int y = 0; y < height; y++) {
            int[] row = new int[width];
            rgb.row(above, row);
            if (alpha != null) {
                alpha.row(above, row);
            }
            System.arraycopy(row, 0, pixels, y * width, width);
            above = row;
        }
        long used = (bit + 31) / 32;
        check(words.length == used + 1, "stream has " + words.length + " words, expected " + (used + 1));
        check(bit % 32 == 0 || peek((int) (32 - bit % 32)) == 0, "padding is not zero");
        check(words[words.length - 1] == 0, "last word is not zero");
        return new Decoded(type, width, height, pixels);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("bad QUIC stream: " + what);
        }
    }

    /** The next n bits (1..32), most significant first; past the end reads fail. */
    private int peek(int n) {
        int word = (int) (bit >>> 5);
        check(word < words.length, "read past the end");
        long pair = (words[word] & 0xFFFFFFFFL) << 32 | (word + 1 < words.length ? words[word + 1] & 0xFFFFFFFFL : 0);
        return (int) ((pair << (bit & 31)) >>> (64 - n));
    }

    private int read(int n) {
        if (n == 0) {
            return 0;
        }
        int v = peek(n);
        bit += n;
        check((bit + 31) / 32 <= words.length, "read past the end");
        return v;
    }

    /** A value in Golomb-Rice code l, or its escape: LIMIT - 8 (at most) zeros, then the value's excess. */
    private int golomb(int l) {
        int zeros = Integer.numberOfLeadingZeros(peek(32));
        if (zeros < ESCAPE_ZEROS[l]) {
            read(zeros + 1);
            return zeros << l | read(l);
        }
        read(ESCAPE_ZEROS[l]);
        int v = GOLOMB_LIMIT[l] + read(ESCAPE_BITS[l]);
        check(v < 256, "escape value " + v);
        return v;
    }

    /** One plane's channels and shared state. */
    private final class Plane {
        final int width;
        final int mask;
        final int[] shifts;
        final int[][] coded;
        final int[][] counters;
        final int[][] best;
        int wait;
        int waitIndex;
        int waitLeft = 2048;
        int random = 255;
        int melc;

        Plane(int width, int mask, int... shifts) {
            this.width = width;
            this.mask = mask;
            this.shifts = shifts;
            coded = new int[shifts.length][width + 1];
            counters = new int[shifts.length][8 * 8];
            best = new int[shifts.length][8];
            for (int[] b : best) {
                Arrays.fill(b, 7);
            }
        }

        /** Buckets hold contexts 0, 1-2, 3-6, ..., 127-255. */
        int bucket(int context) {
            return Math.min(7, 31 - Integer.numberOfLeadingZeros(context + 1));
        }

        int nextWait() {
            random++;
            return QuicCodes.WAIT_RANDOM[random & 255] & ((1 << waitIndex) - 1);
        }

        void row(int[] above, int[] row) {
            for (int[] c : coded) {
                c[0] = above == null ? 0 : c[1];
            }
            int at = 0;
            int left = width;
            while (waitIndex < 6 && waitLeft <= left) {
                int piece = waitLeft;
                piece(above, row, at, at + piece);
                at += piece;
                left -= piece;
                waitIndex++;
                waitLeft = 2048;
            }
            if (left > 0) {
                piece(above, row, at, at + left);
                if (waitIndex < 6) {
                    waitLeft -= left;
                }
            }
        }

        boolean same(int a, int b) {
            return ((a ^ b) & mask) == 0;
        }

        void piece(int[] above, int[] row, int i, int end) {
            int stop;
            if (i == 0) {
                pixel(above, row, 0);
                if (wait > 0) {
                    wait--;
                } else {
                    wait = nextWait();
                    learn(0);
                }
                i = 1;
                stop = 1 + wait;
            } else {
                stop = i + wait;
            }
            int runAt = 0;
            while (i < end) {
                if (above != null && i > 2 && runAt != i && same(above[i - 1], above[i])
                        && same(row[i - 1], row[i - 2])) {
                    runAt = i;
                    int pending = stop - i;
                    int run = run();
                    check(run <= end - i, "run of " + run + " past the row");
                    for (int k = 0; k < run; k++, i++) {
                        row[i] = (row[i] & ~mask) | (row[i - 1] & mask);
                    }
                    if (i == end) {
                        wait = pending;
                        return;
                    }
                    stop = i + pending;
                    continue;
                }
                pixel(above, row, i);
                if (i == stop) {
                    learn(i);
                    stop = i + 1 + nextWait();
                }
                i++;
            }
            wait = stop - end;
        }

        int run() {
            int length = 0;
            while (read(1) == 1) {
                length += 1 << MELCODE[melc];
                melc = Math.min(melc + 1, 31);
            }
            length += read(MELCODE[melc]);
            melc = Math.max(melc - 1, 0);
            return length;
        }

        void pixel(int[] above, int[] row, int i) {
            for (int c = 0; c < shifts.length; c++) {
                int s = shifts[c];
                int folded = golomb(best[c][bucket(coded[c][i])]);
                coded[c][i + 1] = folded;
                int error = (folded & 1) == 0 ? folded >> 1 : -((folded >> 1) + 1);
                int predicted;
                if (i == 0) {
                    predicted = above == null ? 0 : above[0] >>> s & 255;
                } else if (above == null) {
                    predicted = row[i - 1] >>> s & 255;
                } else {
                    predicted = ((row[i - 1] >>> s & 255) + (above[i] >>> s & 255)) / 2;
                }
                row[i] |= ((predicted + error) & 255) << s;
            }
        }

        void learn(int i) {
            for (int c = 0; c < shifts.length; c++) {
                int b = bucket(coded[c][i]);
                int value = coded[c][i + 1];
                int[] sums = counters[c];
                int bestCode = 7;
                int bestSum = Integer.MAX_VALUE;
                for (int l = 7; l >= 0; l--) {
                    sums[b * 8 + l] += length(value, l);
                    if (sums[b * 8 + l] < bestSum) {
                        bestCode = l;
                        bestSum = sums[b * 8 + l];
                    }
                }
                best[c][b] = bestCode;
                if (bestSum > TRIGGER[waitIndex]) {
                    for (int l = 0; l < 8; l++) {
                        sums[b * 8 + l] >>= 1;
                    }
                }
            }
        }

        int length(int value, int l) {
            return value < GOLOMB_LIMIT[l] ? (value >> l) + l + 1 : ESCAPE_ZEROS[l] + ESCAPE_BITS[l];
        }
    }
}
