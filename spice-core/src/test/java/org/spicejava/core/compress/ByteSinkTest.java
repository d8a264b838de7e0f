package org.spicejava.core.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** ByteSink.bgr writes blue, green, red of each pixel, also where the segment has no byte to spare at its end. */
class ByteSinkTest {
    @Test
    void bgrWritesThreeBytesAPixelWhateverRoomIsLeft() {
        Random random = new Random(5);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pixels = arena.allocate(4L * 40, 4);
            for (int k = 0; k < 40; k++) {
                pixels.setAtIndex(ValueLayout.JAVA_INT, k, random.nextInt());
            }
            byte[] expected = new byte[1 + 3 * 37];
            expected[0] = 9;
            for (int k = 0; k < 37; k++) {
                int p = pixels.getAtIndex(ValueLayout.JAVA_INT, 2 + k);
                expected[1 + 3 * k] = (byte) p;
                expected[2 + 3 * k] = (byte) (p >>> 8);
                expected[3 + 3 * k] = (byte) (p >>> 16);
            }
            for (int spare = 0; spare <= 4; spare++) { // exactly full, and with room for the word stores
                ByteSink sink = new ByteSink(arena.allocate(expected.length + spare));
                sink.u8(9);
                sink.bgr(pixels, 2, 37);
                assertEquals(expected.length, sink.position());
                assertArrayEquals(expected, sink.written().toArray(ValueLayout.JAVA_BYTE), "spare " + spare);
            }
        }
    }
}
