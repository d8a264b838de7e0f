package org.spicejava.core.display.draw;

/** QXLBrush / the wire Brush. */
public sealed interface Brush {
    int TYPE_NONE = 0;
    int TYPE_SOLID = 1;
    int TYPE_PATTERN = 2;

    record None() implements Brush {
    }

    /** A solid colour, 0xxxRRGGBB for 32-bit surfaces. */
    record Solid(int color) implements Brush {
    }

    /** An image tiled from origin (x, y). */
    record Pattern(Image pattern, int x, int y) implements Brush {
    }

    Brush NONE = new None();
}
