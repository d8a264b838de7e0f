package org.spicejava.core.compress;

/**
 * QUIC's bit stream: codewords packed most significant bit first into 32-bit words, each stored little-endian.
 * Bits collect in a long and leave a word at a time.
 */
final class QuicBits {
    private final ByteSink out;
    private long pending;
    private int pendingBits;

    QuicBits(ByteSink out) {
        this.out = out;
    }

    /** Writes the low {@code length} bits of {@code bits}, 0 < length <= 32 and no higher bit set. */
    void put(int bits, int length) {
        pending = (pending << length) | (bits & 0xFFFFFFFFL);
        pendingBits += length;
        if (pendingBits >= 32) {
            pendingBits -= 32;
            out.u32le((int) (pending >>> pendingBits));
        }
    }

    /** Writes a codeword from {@link QuicCodes#CODEWORD}. */
    void codeword(int packed) {
        put(packed >>> 5, packed & 31);
    }

    /** Writes a pixel's three codewords (red, green, blue) with the pending bits held in registers. */
    void codewords(int red, int green, int blue) {
        long bits = pending;
        int count = pendingBits;
        for (int k = 0; k < 3; k++) { // unrolled by the JIT
            int packed = k == 0 ? red : k == 1 ? green : blue;
            int length = packed & 31;
            bits = (bits << length) | (packed >>> 5);
            count += length;
            if (count >= 32) {
                count -= 32;
                out.u32le((int) (bits >>> count));
            }
        }
        pending = bits;
        pendingBits = count;
    }

    /** {@code count} one bits. */
    void ones(int count) {
        for (; count >= 16; count -= 16) {
            put(0xFFFF, 16);
        }
        if (count > 0) {
            put((1 << count) - 1, count);
        }
    }

    /**
     * Ends the stream as spice-common's encoder does: the last word padded with zeros, then one zero word (its
     * decoder reads a word ahead).
     */
    void finish() {
        if (pendingBits > 0) {
            put(0, 32 - pendingBits);
        }
        put(0, 32);
    }

    long position() {
        return out.position();
    }
}
