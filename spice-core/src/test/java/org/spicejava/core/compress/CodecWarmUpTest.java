package org.spicejava.core.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CodecWarmUpTest {
    @Test
    void everyEncoderRunsAndTheOutputIsTheSameEachRound() {
        long one = CodecWarmUp.encodeAll(1);
        assertTrue(one > 0);
        assertEquals(3 * one, CodecWarmUp.encodeAll(3), "the warm-up keeps no state between rounds");
    }
}
