package org.spicejava.core.display.draw;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decoded pixels: top-down rows of {@code width} little-endian 32-bit pixels, 0xAARRGGBB ({@code alpha} false:
 * the top byte is padding). Every QXL bitmap format is turned into this form when it is read, so later stages
 * handle one format. The memory belongs to whoever read the image (an arena per command on the display worker).
 * {@code cacheId}: the guest's image id when the guest marked the whole image cacheable, else {@link #NOT_CACHED}.
 */
public record Bitmap(int width, int height, MemorySegment pixels, boolean alpha, long cacheId) implements Image {
    /** No client may keep this image in its pixmap cache (the guest did not ask, or only part of it was read). */
    public static final long NOT_CACHED = 0;

    public Bitmap(int width, int height, MemorySegment pixels, boolean alpha) {
        this(width, height, pixels, alpha, NOT_CACHED);
    }

    public Bitmap {
        if (width < 0 || height < 0 || pixels.byteSize() != 4L * width * height) {
            throw new IllegalArgumentException("bitmap " + width + "x" + height + " with " + pixels.byteSize()
                    + " bytes");
        }
    }

    /** A heap bitmap from pixel values (tests, small images). */
    public static Bitmap of(int width, int height, int[] values, boolean alpha) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asIntBuffer().put(values);
        return new Bitmap(width, height, MemorySegment.ofArray(bytes.array()), alpha);
    }

    /** The same pixels, cacheable by clients under the guest's {@code id}. */
    public Bitmap withCacheId(long id) {
        return new Bitmap(width, height, pixels, alpha, id);
    }

    public int pixel(int x, int y) {
        return pixels.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * ((long) y * width + x));
    }

    /** The pixels as an int array (tests and small images). */
    public int[] toArray() {
        return pixels.toArray(ValueLayout.JAVA_INT_UNALIGNED);
    }
}
