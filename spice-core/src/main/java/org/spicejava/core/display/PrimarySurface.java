package org.spicejava.core.display;

/** QXLDevSurfaceCreate as the host passed it for surface 0. */
public record PrimarySurface(int width, int height, int stride, int format, int position, int mouseMode,
                            int flags, int type, long memory, int groupId) {
}
