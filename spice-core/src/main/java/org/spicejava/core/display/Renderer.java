package org.spicejava.core.display;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.Brush;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Image;
import org.spicejava.core.display.draw.Mask;
import org.spicejava.core.display.draw.Rect;
import org.spicejava.core.display.draw.SurfaceImage;

/**
 * The local renderer (the reference's software canvas): applies drawables to a {@link Surface} so its memory shows
 * what the client shows. Covers COPY and BLEND with every bitmap format, rop descriptors, nearest-neighbour
 * scaling and masks; FILL with solid and pattern brushes; COPY_BITS; BLACKNESS/WHITENESS/INVERS; TRANSPARENT;
 * ALPHA_BLEND; ROP3; TEXT with A1, A4 and A8 glyphs. OPAQUE is drawn as a COPY (its brush is ignored locally);
 * STROKE and COMPOSITE are forwarded but not drawn yet. Display worker thread.
 */
public final class Renderer {
    /** SPICE_ROPD_* bits. */
    static final int INVERS_SRC = 0x1;
    static final int INVERS_BRUSH = 0x2;
    static final int INVERS_DEST = 0x4;
    static final int OP_PUT = 0x8;
    static final int OP_OR = 0x10;
    static final int OP_AND = 0x20;
    static final int OP_XOR = 0x40;
    static final int OP_BLACKNESS = 0x80;
    static final int OP_WHITENESS = 0x100;
    static final int OP_INVERS = 0x200;
    static final int INVERS_RES = 0x400;

    private static final Logger LOG = LoggerFactory.getLogger(Renderer.class);
    private final IntFunction<Surface> surfaces;
    private final Set<String> notDrawnLogged = new HashSet<>();

    /** {@code surfaces} finds other surfaces that images of type SURFACE refer to. */
    public Renderer(IntFunction<Surface> surfaces) {
        this.surfaces = surfaces;
    }

    /** Draws {@code d} on {@code target} and marks the changed area dirty. */
    public void draw(Surface target, Drawable d) {
        Rect box = d.bbox().intersect(target.bounds());
        if (box.isEmpty() || !target.renderable() || emptySource(d.op())) {
            return;
        }
        List<Rect> areas = d.clip() == null ? List.of(box) : clipped(box, d.clip());
        if (d.op() instanceof DrawOp.CopyBits bits) {
            copyBits(target, d.bbox(), areas, bits);
        } else {
            for (Rect area : areas) {
                drawArea(target, d, area);
            }
        }
        for (Rect area : areas) {
            target.markDirty(area);
        }
    }

    /** The non-empty parts of {@code clip} inside {@code box}; a loop, since deferred copies come clipped per frame. */
    private static List<Rect> clipped(Rect box, List<Rect> clip) {
        List<Rect> areas = new ArrayList<>(clip.size());
        for (Rect r : clip) {
            Rect area = box.intersect(r);
            if (!area.isEmpty()) {
                areas.add(area);
            }
        }
        return areas;
    }

    /**
     * An empty source area has no pixel to scale from (mapping into it would read the row or column past it): such
     * a drawable leaves the surface as it is. The reader lets it through, since it lies inside its image.
     */
    private static boolean emptySource(DrawOp op) {
        Rect src = switch (op) {
            case DrawOp.Copy c -> c.srcArea();
            case DrawOp.Opaque o -> o.srcArea();
            case DrawOp.Transparent t -> t.srcArea();
            case DrawOp.AlphaBlend a -> a.srcArea();
            case DrawOp.Rop3 r -> r.srcArea();
            default -> null;
        };
        return src != null && src.isEmpty();
    }

    private void drawArea(Surface t, Drawable d, Rect area) {
        Rect bbox = d.bbox();
        switch (d.op()) {
            case DrawOp.Copy c -> copy(t, bbox, area, c.src(), c.srcArea(), c.rop(), c.mask(), INVERS_SRC);
            case DrawOp.Opaque o -> copy(t, bbox, area, o.src(), o.srcArea(), o.rop(), o.mask(), INVERS_SRC);
            case DrawOp.Fill f -> {
                Source brush = brushSource(f.brush(), t);
                forEach(t, bbox, area, f.mask(), (x, y, dst) -> rop(f.rop(), brush.at(x, y), dst, INVERS_BRUSH));
            }
            case DrawOp.Solid s -> forEach(t, bbox, area, s.mask(), (x, y, dst) -> switch (s.kind()) {
                case BLACKNESS -> 0;
                case WHITENESS -> 0xFFFFFF;
                case INVERS -> ~dst;
            });
            case DrawOp.Transparent tr -> {
                Source src = imageSource(tr.src(), tr.srcArea(), bbox);
                int key = tr.srcColor() & 0xFFFFFF;
                forEach(t, bbox, area, Mask.NONE, (x, y, dst) -> {
                    int p = src.at(x, y);
                    return (p & 0xFFFFFF) == key ? dst : p;
                });
            }
            case DrawOp.AlphaBlend a -> {
                Source src = imageSource(a.src(), a.srcArea(), bbox);
                boolean srcAlpha = (a.alphaFlags() & 2) != 0 || hasAlpha(a.src());
                forEach(t, bbox, area, Mask.NONE, (x, y, dst) -> over(src.at(x, y), srcAlpha, a.alpha(), dst));
            }
            case DrawOp.Rop3 r -> {
                Source src = imageSource(r.src(), r.srcArea(), bbox);
                Source brush = brushSource(r.brush(), t);
                forEach(t, bbox, area, r.mask(), (x, y, dst) -> rop3(r.rop3(), src.at(x, y), brush.at(x, y), dst));
            }
            case DrawOp.CopyBits ignored -> throw new IllegalStateException("handled by draw");
            case DrawOp.Stroke ignored -> notDrawn("STROKE");
            case DrawOp.Text text -> text(t, area, text);
            case DrawOp.Composite ignored -> notDrawn("COMPOSITE");
        }
    }

    /** Forwarded to clients but not drawn here yet: the surface memory misses it (logged once per kind). */
    private void notDrawn(String kind) {
        if (notDrawnLogged.add(kind)) {
            LOG.warn("{} drawables are sent to clients but not drawn locally yet; update_area will miss them", kind);
        }
    }

    // ---- text ----

    /**
     * TEXT as the reference's canvas draws it: the back area with the back brush, then each glyph through its
     * raster (A1 bits MSB first; A4/A8 coverage blended) with the fore brush. A glyph's box starts at render_pos +
     * glyph_origin; its rows are stored bottom-up (the canvas ignores the TOP_DOWN flag, so we do too).
     */
    private void text(Surface t, Rect area, DrawOp.Text text) {
        Rect back = text.backArea().intersect(area);
        if (!back.isEmpty()) {
            Source brush = brushSource(text.backBrush(), t);
            forEach(t, back, back, Mask.NONE, (x, y, dst) -> rop(text.backMode(), brush.at(x, y), dst, INVERS_BRUSH));
        }
        Source fore = brushSource(text.foreBrush(), t);
        int bpp = switch (text.string().flags() & 7) {
            case 1 -> 1;
            case 2 -> 4;
            default -> 8;
        };
        for (DrawOp.GlyphString.Glyph g : text.string().glyphs()) {
            int left = g.renderX() + g.originX();
            int top = g.renderY() + g.originY();
            Rect box = new Rect(top, left, top + g.height(), left + g.width()).intersect(area);
            int rowBytes = (bpp * g.width() + 7) / 8;
            for (int y = box.top(); y < box.bottom(); y++) {
                int row = (g.height() - 1 - (y - top)) * rowBytes;
                for (int x = box.left(); x < box.right(); x++) {
                    int coverage = coverage(g.data(), row, x - left, bpp);
                    if (coverage == 0) {
                        continue;
                    }
                    int dst = t.get(x, y);
                    int drawn = rop(text.foreMode(), fore.at(x, y), dst, INVERS_BRUSH);
                    t.set(x, y, coverage == 255 ? drawn : blend(drawn, dst, coverage));
                }
            }
        }
    }

    /** A glyph pixel's coverage, 0-255. */
    private static int coverage(byte[] data, int row, int x, int bpp) {
        return switch (bpp) {
            case 1 -> (data[row + (x >> 3)] >> (7 - (x & 7)) & 1) * 255;
            case 4 -> (data[row + (x >> 1)] >> ((x & 1) == 0 ? 4 : 0) & 0xF) * 17;
            default -> Byte.toUnsignedInt(data[row + x]);
        };
    }

    /** {@code a} over {@code b} with coverage {@code c} (0-255), per colour channel. */
    static int blend(int a, int b, int c) {
        int r = 0;
        for (int shift = 0; shift <= 16; shift += 8) {
            int v = ((a >> shift & 0xFF) * c + (b >> shift & 0xFF) * (255 - c) + 127) / 255;
            r |= v << shift;
        }
        return r | (b & 0xFF000000);
    }

    // ---- copy ----

    private void copy(Surface t, Rect bbox, Rect area, Image image, Rect srcArea, int rop, Mask mask, int srcInvers) {
        boolean unscaled = srcArea.width() == bbox.width() && srcArea.height() == bbox.height();
        if (rop == OP_PUT && mask.bitmap() == null && unscaled && image instanceof Bitmap b
                && (!t.hasAlpha() || b.alpha())) {
            // The common case (every -vga std update): whole rows straight from the decoded image.
            for (int y = area.top(); y < area.bottom(); y++) {
                int sy = srcArea.top() + y - bbox.top();
                int sx = srcArea.left() + area.left() - bbox.left();
                t.writeRow(area.left(), y, area.width(), b.pixels(), 4L * ((long) sy * b.width() + sx));
            }
            return;
        }
        Source src = imageSource(image, srcArea, bbox);
        forEach(t, bbox, area, mask, (x, y, dst) -> rop(rop, src.at(x, y), dst, srcInvers));
    }

    private void copyBits(Surface t, Rect bbox, List<Rect> areas, DrawOp.CopyBits bits) {
        // Read every source area before writing, since source and destination overlap when scrolling.
        int dx = bits.srcX() - bbox.left();
        int dy = bits.srcY() - bbox.top();
        List<int[]> saved = areas.stream().map(a -> {
            Rect src = new Rect(a.top() + dy, a.left() + dx, a.bottom() + dy, a.right() + dx);
            if (!t.bounds().contains(src)) {
                throw new QxlException("copy_bits source " + src + " outside surface " + t.id());
            }
            return t.read(src);
        }).toList();
        for (int i = 0; i < areas.size(); i++) {
            Rect a = areas.get(i);
            int[] pixels = saved.get(i);
            for (int y = 0; y < a.height(); y++) {
                t.writeRow(a.left(), a.top() + y, a.width(), pixels, y * a.width());
            }
        }
    }

    // ---- sources ----

    /** A pixel source in destination coordinates. */
    private interface Source {
        int at(int x, int y);
    }

    private static boolean hasAlpha(Image image) {
        return image instanceof Bitmap b && b.alpha();
    }

    /** Maps destination pixels of {@code bbox} to {@code srcArea} of the image (nearest neighbour when scaled). */
    private Source imageSource(Image image, Rect srcArea, Rect bbox) {
        int sw = srcArea.width();
        int sh = srcArea.height();
        int bw = Math.max(1, bbox.width());
        int bh = Math.max(1, bbox.height());
        PixelReader pixels = reader(image);
        return (x, y) -> pixels.at(srcArea.left() + (int) ((long) (x - bbox.left()) * sw / bw),
                srcArea.top() + (int) ((long) (y - bbox.top()) * sh / bh));
    }

    private interface PixelReader {
        int at(int x, int y);
    }

    private PixelReader reader(Image image) {
        return switch (image) {
            case Bitmap b -> b::pixel;
            case SurfaceImage s -> {
                Surface source = surfaces.apply(s.surfaceId());
                if (source == null || !source.renderable()) {
                    throw new QxlException("image of surface " + s.surfaceId() + " cannot be read");
                }
                yield source::get;
            }
        };
    }

    private Source brushSource(Brush brush, Surface t) {
        return switch (brush) {
            case Brush.None n -> (x, y) -> 0;
            case Brush.Solid s -> (x, y) -> s.color();
            case Brush.Pattern p -> {
                PixelReader pixels = reader(p.pattern());
                int w = p.pattern().width();
                int h = p.pattern().height();
                if (w <= 0 || h <= 0) {
                    throw new QxlException("empty pattern");
                }
                yield (x, y) -> pixels.at(Math.floorMod(x - p.x(), w), Math.floorMod(y - p.y(), h));
            }
        };
    }

    // ---- per-pixel loop ----

    private interface PixelOp {
        int apply(int x, int y, int dst);
    }

    private void forEach(Surface t, Rect bbox, Rect area, Mask mask, PixelOp op) {
        PixelReader maskBits = mask.bitmap() == null ? null : reader(mask.bitmap());
        int mw = mask.bitmap() == null ? 0 : mask.bitmap().width();
        int mh = mask.bitmap() == null ? 0 : mask.bitmap().height();
        boolean invers = (mask.flags() & Mask.FLAG_INVERS) != 0;
        int keep = t.hasAlpha() ? 0xFFFFFFFF : 0xFFFFFF;
        int[] row = new int[area.width()];
        for (int y = area.top(); y < area.bottom(); y++) {
            t.readRow(area.left(), y, row.length, row, 0);
            for (int i = 0; i < row.length; i++) {
                int x = area.left() + i;
                if (maskBits != null) {
                    int mx = x - bbox.left() + mask.x();
                    int my = y - bbox.top() + mask.y();
                    boolean on = mx >= 0 && my >= 0 && mx < mw && my < mh && (maskBits.at(mx, my) & 0xFFFFFF) != 0;
                    if (on == invers) {
                        continue;
                    }
                }
                row[i] = op.apply(x, y, row[i]) & keep;
            }
            t.writeRow(area.left(), y, row.length, row, 0);
        }
    }

    // ---- raster operations ----

    /** Applies a SPICE rop descriptor to a source (image or brush, as {@code srcInvers} says) and the destination. */
    static int rop(int rop, int src, int dst, int srcInvers) {
        if ((rop & srcInvers) != 0) {
            src = ~src;
        }
        if ((rop & INVERS_DEST) != 0) {
            dst = ~dst;
        }
        int r;
        if ((rop & OP_PUT) != 0) {
            r = src;
        } else if ((rop & OP_OR) != 0) {
            r = src | dst;
        } else if ((rop & OP_AND) != 0) {
            r = src & dst;
        } else if ((rop & OP_XOR) != 0) {
            r = src ^ dst;
        } else if ((rop & OP_BLACKNESS) != 0) {
            r = 0;
        } else if ((rop & OP_WHITENESS) != 0) {
            r = 0xFFFFFFFF;
        } else if ((rop & OP_INVERS) != 0) {
            r = ~dst;
        } else {
            r = src;
        }
        return (rop & INVERS_RES) != 0 ? ~r : r;
    }

    /** A ternary raster operation: bit {@code (p<<2)|(s<<1)|d} of {@code code} is the result for those inputs. */
    static int rop3(int code, int src, int brush, int dst) {
        int r = 0;
        for (int i = 0; i < 8; i++) {
            if ((code >> i & 1) != 0) {
                int p = (i & 4) != 0 ? brush : ~brush;
                int s = (i & 2) != 0 ? src : ~src;
                int d = (i & 1) != 0 ? dst : ~dst;
                r |= p & s & d;
            }
        }
        return r;
    }

    /** Source OVER destination with a global alpha, premultiplied as pixman computes it. */
    static int over(int src, boolean srcAlpha, int alpha, int dst) {
        int sa = srcAlpha ? src >>> 24 : 255;
        int a = sa * alpha / 255;
        int inv = 255 - a;
        int r = 0;
        for (int shift = 0; shift <= 16; shift += 8) {
            int s = (src >> shift & 0xFF) * alpha / 255;
            if (srcAlpha) {
                s = Math.min(255, s);
            } else {
                s = (src >> shift & 0xFF) * a / 255;
            }
            int c = s + (dst >> shift & 0xFF) * inv / 255;
            r |= Math.min(255, c) << shift;
        }
        int da = dst >>> 24;
        return r | Math.min(255, a + da * inv / 255) << 24;
    }
}
