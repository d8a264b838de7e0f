package org.spicejava.core.compress;

/**
 * QUIC's bit stream: codewords packed most significant bit first into 32-bit words, each stored little-endian.
 * Bits collect in a long; whole words go to an array that {@link #flush} copies out, so writing a codeword never
 * branches on whether a word filled up (a branch the CPU mispredicts every few pixels of a photo).
 */
final class QuicBits {
    private final ByteSink out;
    /*
     * The writer's state, read and written directly by QuicPlane's hot loop, which keeps it in registers while it
     * codes a row: pending holds bitCount bits not yet in a word (fewer than 32 between codewords), words[0..wordCount)
     * the whole words not yet flushed.
     */
    long pending;
    int bitCount;
    final int[] words;
    int wordCount;

    /** {@code maxWordsBetweenFlushes}: the most words written before each {@link #flush}. */
    QuicBits(ByteSink out, int maxWordsBetweenFlushes) {
        this.out = out;
        this.words = new int[maxWordsBetweenFlushes + 1]; // + 1: every write stores a word, complete or not
    }

    /** Writes the low {@code length} bits of {@code bits}, 0 < length <= 32 and no higher bit set. */
    void put(int bits, int length) {
        long b = pending << length | (bits & 0xFFFFFFFFL);
        int count = bitCount + length;
        words[wordCount] = (int) (b >>> (count - 32));
        int full = count >>> 5;
        wordCount += full;
        bitCount = count - (full << 5);
        pending = b;
    }

    /** Writes a codeword from {@link QuicCodes#CODEWORD_OF_ERROR}. */
    void codeword(int packed) {
        put(packed >>> 5, packed & 31);
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

    /** Moves the whole words written so far to the output. */
    void flush() {
        out.u32le(words, wordCount);
        wordCount = 0;
    }

    /**
     * Ends the stream as spice-common's encoder does: the last word padded with zeros, then one zero word (its
     * decoder reads a word ahead).
     */
    void finish() {
        if (bitCount > 0) {
            put(0, 32 - bitCount);
        }
        put(0, 32);
        flush();
    }

    /** Bytes in the output, flushed or not. */
    long position() {
        return out.position() + 4L * wordCount;
    }
}
