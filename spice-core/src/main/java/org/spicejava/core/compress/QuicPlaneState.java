package org.spicejava.core.compress;

import static org.spicejava.core.compress.QuicCodes.HALVING_TRIGGER;
import static org.spicejava.core.compress.QuicCodes.MAX_WAIT_INDEX;
import static org.spicejava.core.compress.QuicCodes.RUN_BITS;
import static org.spicejava.core.compress.QuicCodes.WAIT_RANDOM;
import static org.spicejava.core.compress.QuicCodes.WAIT_STEP;

/**
 * What the channels of one plane share (spice-common's CommonState): when the models next update, how the wait
 * between updates grows, and the run coder's state. An RGB image has one plane; RGBA adds the alpha plane.
 */
final class QuicPlaneState {
    /** Pixels still to code before the next model update. */
    int wait;
    /** Index of the wait mask 2^index - 1 that bounds the random waits. */
    int waitIndex;
    /** Pixels left before the wait index grows. */
    int waitLeft = WAIT_STEP;
    /** Where the models halve their counters, for the current wait index. */
    int trigger = HALVING_TRIGGER[0];
    private int randomIndex = -1;
    private int runState;

    int waitMask() {
        return (1 << waitIndex) - 1;
    }

    /** A wait of 0..{@link #waitMask()} pixels, from the table both ends read in the same order. */
    int randomWait() {
        return WAIT_RANDOM[++randomIndex & 0xFF] & waitMask();
    }

    /** True while the wait index still grows: updates come after every pixel at first, later after 1 to 64. */
    boolean waitGrows() {
        return waitIndex < MAX_WAIT_INDEX;
    }

    void growWait() {
        waitIndex++;
        trigger = HALVING_TRIGGER[waitIndex];
        waitLeft = WAIT_STEP;
    }

    /**
     * A run of {@code length} repeated pixels (melcode): a one bit for each whole 2^k pixels, k rising with each
     * one; then a zero and the rest in k bits. The state steps back once after every run.
     */
    void encodeRun(QuicBits bits, int length) {
        int hits = 0;
        while (length >= 1 << RUN_BITS[runState]) {
            hits++;
            length -= 1 << RUN_BITS[runState];
            if (runState < RUN_BITS.length - 1) {
                runState++;
            }
        }
        bits.ones(hits);
        bits.put(length, RUN_BITS[runState] + 1);
        if (runState > 0) {
            runState--;
        }
    }
}
