package org.spicejava.core.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;
import org.spicejava.core.display.draw.Bitmap;

class I420Test {
    private static int at(MemorySegment s, long i) {
        return Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, i));
    }

    @Test
    void knownColoursGetBt601StudioRangeValues() {
        // white, black, red, blue in a 2x2 block; then a 1-pixel third column of pure green (odd width)
        Bitmap b = Bitmap.of(3, 2, new int[] {0xffffff, 0x000000, 0x00ff00, 0xff0000, 0x0000ff, 0x00ff00}, false);
        MemorySegment out = MemorySegment.ofArray(new byte[(int) I420.size(3, 2)]);
        I420.convert(b, out);
        assertEquals(3 * 2 + 2 * 2 * 1, out.byteSize());
        assertEquals(235, at(out, 0)); // white
        assertEquals(16, at(out, 1)); // black
        assertEquals(82, at(out, 3)); // red
        assertEquals(41, at(out, 4)); // blue
        assertEquals(144, at(out, 2)); // green (the integer formula rounds 144.5 down)
        // first chroma sample: mean of white, black, red, blue = (127.5, 64, 127.5) rounded
        int r = 128;
        int g = 64;
        int bl = 128;
        assertEquals(((-38 * r - 74 * g + 112 * bl + 128) >> 8) + 128, at(out, 6));
        assertEquals(((112 * r - 94 * g - 18 * bl + 128) >> 8) + 128, at(out, 8));
        // second chroma sample covers only the green column: U 54, V 34
        assertEquals(54, at(out, 7));
        assertEquals(34, at(out, 9));
    }
}
