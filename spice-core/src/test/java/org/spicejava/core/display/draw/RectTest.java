package org.spicejava.core.display.draw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * Rect's hand-written equality is the record's: every field counts, and equal rectangles hash alike; intersects
 * agrees with a non-empty intersect; subtract leaves disjoint bands.
 */
class RectTest {
    @Test
    void equalityCountsEveryFieldAndHashesAlike() {
        Rect r = new Rect(1, 2, 3, 4);
        assertEquals(r, new Rect(1, 2, 3, 4));
        assertEquals(r.hashCode(), new Rect(1, 2, 3, 4).hashCode());
        assertNotEquals(r, new Rect(9, 2, 3, 4));
        assertNotEquals(r, new Rect(1, 9, 3, 4));
        assertNotEquals(r, new Rect(1, 2, 9, 4));
        assertNotEquals(r, new Rect(1, 2, 3, 9));
        assertNotEquals(r, new Rect(2, 1, 3, 4), "top and left are not interchangeable");
        assertNotEquals(r, null);
        assertNotEquals(r, "Rect[top=1, left=2, bottom=3, right=4]");
        assertEquals("Rect[top=1, left=2, bottom=3, right=4]", r.toString());
    }

    @Test
    void distinctRectanglesMostlyHashApart() {
        Set<Integer> hashes = new HashSet<>();
        for (int top = 0; top < 8; top++) {
            for (int left = 0; left < 8; left++) {
                hashes.add(new Rect(top, left, top + 16, left + 16).hashCode());
            }
        }
        assertEquals(64, hashes.size());
    }

    @Test
    void intersectsWhenTheIntersectionHasAPixel() {
        Rect r = new Rect(2, 2, 6, 6);
        for (int top = 0; top < 8; top++) {
            for (int left = 0; left < 8; left++) {
                for (int size = 0; size < 4; size++) {
                    Rect o = new Rect(top, left, top + size, left + size);
                    assertEquals(!r.intersect(o).isEmpty(), r.intersects(o), o.toString());
                    assertEquals(r.intersects(o), o.intersects(r), o.toString());
                }
            }
        }
    }

    @Test
    void subtractSplitsARectangleInBands() {
        assertEquals(List.of(new Rect(0, 0, 2, 10), new Rect(8, 0, 10, 10), new Rect(2, 0, 8, 3),
                new Rect(2, 7, 8, 10)), Rect.subtract(List.of(new Rect(0, 0, 10, 10)), new Rect(2, 3, 8, 7)));
        assertEquals(List.of(), Rect.subtract(List.of(new Rect(2, 2, 4, 4)), new Rect(0, 0, 10, 10)));
    }
}
