package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.spicejava.core.display.draw.Bitmap;

/**
 * The SPICE bitmap formats (SPICE_BITMAP_FMT_*) and their decoding into {@link Bitmap}'s 32-bit pixels. Pure
 * functions; the caller has checked that {@code data} holds every row.
 */
public final class BitmapFormat {
    public static final int ONE_BIT_LE = 1;
    public static final int ONE_BIT_BE = 2;
    public static final int FOUR_BIT_LE = 3;
    public static final int FOUR_BIT_BE = 4;
    public static final int EIGHT_BIT = 5;
    public static final int SIXTEEN_BIT = 6;
    public static final int TWENTY_FOUR_BIT = 7;
    public static final int THIRTY_TWO_BIT = 8;
    public static final int RGBA = 9;
    public static final int EIGHT_BIT_A = 10;

    /** What a 1-bit image without a palette means: 0 black, 1 white (masks are read this way). */
    static final int[] MONO_PALETTE = {0, 0xFFFFFF};

    private BitmapFormat() {
    }

    /** Bytes one row of {@code width} pixels needs, or -1 for an unknown format. */
    public static long rowBytes(int format, int width) {
        long w = width;
        return switch (format) {
            case ONE_BIT_LE, ONE_BIT_BE -> (w + 7) / 8;
            case FOUR_BIT_LE, FOUR_BIT_BE -> (w + 1) / 2;
            case EIGHT_BIT, EIGHT_BIT_A -> w;
            case SIXTEEN_BIT -> w * 2;
            case TWENTY_FOUR_BIT -> w * 3;
            case THIRTY_TWO_BIT, RGBA -> w * 4;
            default -> -1;
        };
    }

    public static boolean needsPalette(int format) {
        return paletteEntries(format) > 0;
    }

    /** Entries a palette of this format can index. */
    public static int paletteEntries(int format) {
        return switch (format) {
            case ONE_BIT_LE, ONE_BIT_BE -> 2;
            case FOUR_BIT_LE, FOUR_BIT_BE -> 16;
            case EIGHT_BIT -> 256;
            default -> 0;
        };
    }

    /**
     * Decodes {@code height} rows of {@code stride} bytes (bottom-up unless {@code topDown}), columns {@code x0} to
     * {@code x0 + width}, into top-down 32-bit pixels in {@code out} (4 x width x height bytes). 32-bit rows are
     * copied as they are.
     */
    public static Bitmap decode(int format, int x0, int width, int height, int stride, boolean topDown,
                                int[] palette, MemorySegment data, MemorySegment out) {
        for (int y = 0; y < height; y++) {
            decodeRow(format, x0, width, palette, data, (long) (topDown ? y : height - 1 - y) * stride, out,
                    y * 4L * width);
        }
        return new Bitmap(width, height, out, format == RGBA || format == EIGHT_BIT_A);
    }

    /** Like {@link #decode} for rows that lie apart: {@code stored[i]} is the i-th row as stored. */
    public static Bitmap decodeRows(int format, int x0, int width, boolean topDown, int[] palette,
                                    MemorySegment[] stored, MemorySegment out) {
        int height = stored.length;
        for (int y = 0; y < height; y++) {
            decodeRow(format, x0, width, palette, stored[topDown ? y : height - 1 - y], 0, out, y * 4L * width);
        }
        return new Bitmap(width, height, out, format == RGBA || format == EIGHT_BIT_A);
    }

    /** One row: the stored row at {@code row} in {@code data} to the pixels at {@code base} in {@code out}. */
    private static void decodeRow(int format, int x0, int width, int[] palette, MemorySegment data, long row,
                                  MemorySegment out, long base) {
        long outRow = 4L * width;
        switch (format) {
            case THIRTY_TWO_BIT, RGBA -> MemorySegment.copy(data, row + 4L * x0, out, base, outRow);
            case ONE_BIT_LE, ONE_BIT_BE -> {
                boolean msbFirst = format == ONE_BIT_BE;
                for (int x = 0; x < width; x++) {
                    int sx = x0 + x;
                    int b = data.get(ValueLayout.JAVA_BYTE, row + (sx >> 3));
                    int bit = msbFirst ? 7 - (sx & 7) : sx & 7;
                    put(out, base, x, palette[(b >> bit) & 1] & 0xFFFFFF);
                }
            }
            case FOUR_BIT_LE, FOUR_BIT_BE -> {
                boolean highFirst = format == FOUR_BIT_BE;
                for (int x = 0; x < width; x++) {
                    int sx = x0 + x;
                    int b = data.get(ValueLayout.JAVA_BYTE, row + (sx >> 1));
                    int shift = ((sx & 1) == 0) == highFirst ? 4 : 0;
                    put(out, base, x, palette[(b >> shift) & 0xF] & 0xFFFFFF);
                }
            }
            case EIGHT_BIT -> {
                for (int x = 0; x < width; x++) {
                    put(out, base, x, palette[Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, row + x0 + x))]
                            & 0xFFFFFF);
                }
            }
            case EIGHT_BIT_A -> {
                for (int x = 0; x < width; x++) {
                    put(out, base, x, data.get(ValueLayout.JAVA_BYTE, row + x0 + x) << 24);
                }
            }
            case SIXTEEN_BIT -> {
                for (int x = 0; x < width; x++) {
                    put(out, base, x, from555(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, row + 2L * (x0 + x))));
                }
            }
            case TWENTY_FOUR_BIT -> {
                for (int x = 0; x < width; x++) {
                    long p = row + 3L * (x0 + x);
                    put(out, base, x, Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, p))
                            | Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, p + 1)) << 8
                            | Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, p + 2)) << 16);
                }
            }
            default -> throw new QxlException("bitmap format " + format + " unknown");
        }
    }

    private static void put(MemorySegment out, long rowBase, int x, int pixel) {
        out.set(ValueLayout.JAVA_INT_UNALIGNED, rowBase + 4L * x, pixel);
    }

    /** x1r5g5b5 to x8r8g8b8, replicating the top bits as the reference's canvas does. */
    static int from555(short v) {
        int r = (v >> 10) & 0x1F;
        int g = (v >> 5) & 0x1F;
        int b = v & 0x1F;
        return (r << 3 | r >> 2) << 16 | (g << 3 | g >> 2) << 8 | (b << 3 | b >> 2);
    }
}
