package org.spicejava.core.display.draw;

/** An image a drawable refers to, already copied out of guest memory. */
public sealed interface Image permits Bitmap, SurfaceImage {
    int width();

    int height();
}
