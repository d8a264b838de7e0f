package org.spicejava.core.display;

/**
 * A cursor image copied out of guest memory: the QXLCursorHeader fields and the data in the layout of its type
 * (SPICE_CURSOR_TYPE_*), exactly as the wire Cursor carries it. {@code unique} 0 means the client may not cache it.
 */
public record CursorShape(long unique, int type, int width, int height, int hotX, int hotY, byte[] data) {
    public static final int TYPE_ALPHA = 0;
    public static final int TYPE_MONO = 1;
    public static final int TYPE_COLOR4 = 2;
    public static final int TYPE_COLOR8 = 3;
    public static final int TYPE_COLOR16 = 4;
    public static final int TYPE_COLOR24 = 5;
    public static final int TYPE_COLOR32 = 6;
    /** The largest cursor the reference accepts in each dimension. */
    public static final int MAX_SIZE = 512;

    /** Bytes the data of a cursor of this type and size has, or -1 for an unknown type. */
    public static long dataSize(int type, int width, int height) {
        long pixels = (long) width * height;
        long andMask = (long) ((width + 7) / 8) * height;
        return switch (type) {
            case TYPE_ALPHA -> pixels * 4;
            case TYPE_MONO -> andMask * 2;
            case TYPE_COLOR4 -> (long) ((width + 1) / 2) * height + 16 * 4 + andMask;
            case TYPE_COLOR8 -> pixels + 256 * 4 + andMask;
            case TYPE_COLOR16 -> pixels * 2 + andMask;
            case TYPE_COLOR24 -> pixels * 3 + andMask;
            case TYPE_COLOR32 -> pixels * 4 + andMask;
            default -> -1;
        };
    }
}
