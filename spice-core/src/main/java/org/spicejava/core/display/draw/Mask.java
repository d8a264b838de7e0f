package org.spicejava.core.display.draw;

/** QXLQMask / the wire QMask: a 1-bit image that limits a drawing; {@code bitmap} null means no mask. */
public record Mask(int flags, int x, int y, Image bitmap) {
    public static final int FLAG_INVERS = 1;
    public static final Mask NONE = new Mask(0, 0, 0, null);
}
