package org.spicejava.core.display.draw;

import java.util.List;

/**
 * The drawing operations of QXLDrawable (its union {@code u}), each with the fields the wire message of the same
 * name carries. {@code rop} is the SPICE rop descriptor (SPICE_ROPD_*).
 */
public sealed interface DrawOp {
    /** SPICE_ROPD_OP_PUT: plain copy. */
    int ROPD_OP_PUT = 8;

    record Fill(Brush brush, int rop, Mask mask) implements DrawOp {
    }

    record Opaque(Image src, Rect srcArea, Brush brush, int rop, int scaleMode, Mask mask) implements DrawOp {
    }

    /** DRAW_COPY, or DRAW_BLEND when {@code blend}. */
    record Copy(Image src, Rect srcArea, int rop, int scaleMode, Mask mask, boolean blend) implements DrawOp {
    }

    record CopyBits(int srcX, int srcY) implements DrawOp {
    }

    /** DRAW_BLACKNESS, DRAW_WHITENESS or DRAW_INVERS. */
    record Solid(Kind kind, Mask mask) implements DrawOp {
        public enum Kind { BLACKNESS, WHITENESS, INVERS }
    }

    record Transparent(Image src, Rect srcArea, int srcColor, int trueColor) implements DrawOp {
    }

    record AlphaBlend(int alphaFlags, int alpha, Image src, Rect srcArea) implements DrawOp {
    }

    record Rop3(Image src, Rect srcArea, Brush brush, int rop3, int scaleMode, Mask mask) implements DrawOp {
    }

    /** DRAW_STROKE: a path drawn with a line style; forwarded to clients, not drawn locally yet. */
    record Stroke(Path path, LineAttr attr, Brush brush, int foreMode, int backMode) implements DrawOp {
    }

    /** DRAW_TEXT: raster glyphs over a background area; forwarded to clients, not drawn locally yet. */
    record Text(GlyphString string, Rect backArea, Brush foreBrush, Brush backBrush, int foreMode, int backMode)
            implements DrawOp {
    }

    /**
     * DRAW_COMPOSITE: a pixman-style composite of a source (and optional mask) image, each with an optional 16.16
     * transform ({@code t00, t01, t02, t10, t11, t12}); forwarded to clients, not drawn locally yet.
     */
    record Composite(int flags, Image src, Image mask, int[] srcTransform, int[] maskTransform, int srcOriginX,
                     int srcOriginY, int maskOriginX, int maskOriginY) implements DrawOp {
        public static final int HAS_MASK = 1 << 19;
        public static final int HAS_SRC_TRANSFORM = 1 << 20;
        public static final int HAS_MASK_TRANSFORM = 1 << 21;
    }

    /** A path: segments of 28.4 fixed-point points, {x0, y0, x1, y1, ...}. */
    record Path(List<Segment> segments) {
        public record Segment(int flags, int[] points) {
        }
    }

    /** Line attributes: flags (SPICE_LINE_FLAGS_*) and, when STYLED, the dash pattern in 28.4 fixed point. */
    record LineAttr(int flags, int[] style) {
        public static final int STYLED = 8;
    }

    /** A string of raster glyphs; {@code flags} says the bits per pixel (A1, A4 or A8) and the row order. */
    record GlyphString(int flags, List<Glyph> glyphs) {
        public record Glyph(int renderX, int renderY, int originX, int originY, int width, int height, byte[] data) {
        }
    }
}
