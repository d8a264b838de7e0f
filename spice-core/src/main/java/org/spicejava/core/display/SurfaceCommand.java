package org.spicejava.core.display;

/** QXLSurfaceCmd: create or destroy a secondary surface. {@code stride} is negative for bottom-up memory. */
public record SurfaceCommand(int surfaceId, boolean create, int flags, int format, int width, int height, int stride,
                             long data) {
}
