package org.spicejava.core.display.draw;

/**
 * Decoded pixels, top-down rows, one int per pixel as 0xAARRGGBB ({@code alpha} false: the top byte is padding).
 * Every QXL bitmap format is turned into this form when it is read, so later stages handle one format.
 */
public record Bitmap(int width, int height, int[] pixels, boolean alpha) implements Image {
    public Bitmap {
        if (width < 0 || height < 0 || pixels.length != (long) width * height) {
            throw new IllegalArgumentException("bitmap " + width + "x" + height + " with " + pixels.length + " pixels");
        }
    }

    public int pixel(int x, int y) {
        return pixels[y * width + x];
    }
}
