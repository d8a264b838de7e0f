package org.spicejava.core.display.draw;

/** An image that is the content of another surface (QXL and wire image type SURFACE). */
public record SurfaceImage(int surfaceId, int width, int height) implements Image {
}
