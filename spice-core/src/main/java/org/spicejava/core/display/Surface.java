package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.spicejava.core.display.draw.Rect;

/**
 * One surface whose pixels live in memory the guest (or QEMU) gave us, as the reference's canvas draws into the
 * surface memory: row 0 is the top row, a negative stride means rows run backwards from the end of the memory.
 * Tracks the area changed since the device last asked (update_area's dirty region). Display worker thread.
 */
public final class Surface {
    /** SPICE_SURFACE_FMT_*. */
    public static final int FMT_1_A = 1;
    public static final int FMT_8_A = 8;
    public static final int FMT_16_555 = 16;
    public static final int FMT_32_XRGB = 32;
    public static final int FMT_16_565 = 80;
    public static final int FMT_32_ARGB = 96;

    private final int id;
    private final int width;
    private final int height;
    private final int format;
    private final int stride;
    private final MemorySegment memory;
    private final boolean primary;
    private Rect dirty = Rect.EMPTY;

    public Surface(int id, int width, int height, int format, int stride, MemorySegment memory, boolean primary) {
        this.id = id;
        this.width = width;
        this.height = height;
        this.format = format;
        this.stride = stride;
        this.memory = memory;
        this.primary = primary;
    }

    /** Bytes per pixel of a surface format, or -1 for an unknown one. */
    public static int bytesPerPixel(int format) {
        return switch (format) {
            case FMT_32_XRGB, FMT_32_ARGB -> 4;
            case FMT_16_555, FMT_16_565 -> 2;
            case FMT_8_A -> 1;
            case FMT_1_A -> 0;
            default -> -1;
        };
    }

    /** Bytes a row of this format needs (1-bit rows round up). */
    public static long rowBytes(int format, int width) {
        int bpp = bytesPerPixel(format);
        return bpp < 0 ? -1 : bpp == 0 ? (width + 7L) / 8 : (long) width * bpp;
    }

    public int id() {
        return id;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int format() {
        return format;
    }

    public int stride() {
        return stride;
    }

    public boolean primary() {
        return primary;
    }

    public Rect bounds() {
        return Rect.ofSize(width, height);
    }

    /** Only 32-bit surfaces are drawn locally; others are still forwarded to clients. */
    public boolean renderable() {
        return format == FMT_32_XRGB || format == FMT_32_ARGB;
    }

    public boolean hasAlpha() {
        return format == FMT_32_ARGB;
    }

    public long rowOffset(int y) {
        return stride >= 0 ? (long) y * stride : (long) (height - 1 - y) * -stride;
    }

    public int get(int x, int y) {
        return memory.get(ValueLayout.JAVA_INT_UNALIGNED, rowOffset(y) + 4L * x);
    }

    public void set(int x, int y, int pixel) {
        memory.set(ValueLayout.JAVA_INT_UNALIGNED, rowOffset(y) + 4L * x, pixel);
    }

    /** Copies {@code count} pixels of row {@code y} starting at {@code x} into {@code out} at {@code offset}. */
    public void readRow(int x, int y, int count, int[] out, int offset) {
        MemorySegment.copy(memory, ValueLayout.JAVA_INT_UNALIGNED, rowOffset(y) + 4L * x, out, offset, count);
    }

    public void writeRow(int x, int y, int count, int[] in, int offset) {
        MemorySegment.copy(in, offset, memory, ValueLayout.JAVA_INT_UNALIGNED, rowOffset(y) + 4L * x, count);
    }

    /** The pixels of {@code area} (inside the bounds), top-down, as 0xAARRGGBB (alpha kept only for ARGB). */
    public int[] read(Rect area) {
        int[] out = new int[area.width() * area.height()];
        for (int y = 0; y < area.height(); y++) {
            readRow(area.left(), area.top() + y, area.width(), out, y * area.width());
        }
        if (!hasAlpha()) {
            for (int i = 0; i < out.length; i++) {
                out[i] &= 0xFFFFFF;
            }
        }
        return out;
    }

    /** Copies the pixels of {@code area} (inside the bounds) into {@code out}, top-down, as they are in memory. */
    public void copyTo(Rect area, MemorySegment out) {
        long rowBytes = 4L * area.width();
        for (int y = 0; y < area.height(); y++) {
            MemorySegment.copy(memory, rowOffset(area.top() + y) + 4L * area.left(), out, y * rowBytes, rowBytes);
        }
    }

    /** Copies {@code count} pixels from {@code src} at byte {@code srcOffset} into row {@code y} at {@code x}. */
    public void writeRow(int x, int y, int count, MemorySegment src, long srcOffset) {
        MemorySegment.copy(src, srcOffset, memory, rowOffset(y) + 4L * x, 4L * count);
    }

    public void markDirty(Rect area) {
        dirty = dirty.union(area.intersect(bounds()));
    }

    /** The changed area since the last clear. */
    public Rect dirty() {
        return dirty;
    }

    public void clearDirty() {
        dirty = Rect.EMPTY;
    }
}
