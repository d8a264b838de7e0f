package org.spicejava.core.display.draw;

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
}
