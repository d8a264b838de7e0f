package org.spicejava.core.display;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.Brush;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Image;
import org.spicejava.core.display.draw.Mask;
import org.spicejava.core.display.draw.Rect;
import org.spicejava.core.display.draw.SurfaceImage;

/**
 * Reads QXL commands (qxl_dev.h, packed little-endian structs) out of guest memory into validated records. Every
 * pointer goes through {@link GuestMemory}; every count and size is bounded before it is used; anything wrong
 * throws {@link QxlException} and the caller drops the command. Everything needed later is copied, so the command
 * can be released as soon as it is read. Display worker thread.
 */
public final class QxlReader {
    /** QXL command types (QXL_CMD_*). */
    public static final int CMD_NOP = 0;
    public static final int CMD_DRAW = 1;
    public static final int CMD_UPDATE = 2;
    public static final int CMD_CURSOR = 3;
    public static final int CMD_MESSAGE = 4;
    public static final int CMD_SURFACE = 5;
    /** QXLCommandExt flag: the drawable uses the old QXLCompatDrawable layout. */
    public static final int FLAG_COMPAT = 1;

    /** Largest image side we accept (the reference limits surfaces the same way through memory size). */
    static final int MAX_IMAGE_SIDE = 16384;
    /** Chunks in one chain; a longer chain is taken for a loop. */
    static final int MAX_CHUNKS = 65536;
    /** Clip rectangles per drawable. */
    static final int MAX_CLIP_RECTS = 16384;
    /** Bytes of a path or glyph string (QXLPath / QXLString data_size). */
    static final int MAX_SHAPE_DATA = 4 << 20;
    /** Dash entries of a styled line. */
    static final int MAX_STYLE = 255;
    /** Bytes of a QXLMessage text we log. */
    static final int MAX_MESSAGE = 1024;
    /**
     * Decoded bytes one drawable may produce at least; beyond it, three times its target surface's pixels (a source,
     * a mask and a pattern each as large as the surface). Images are cropped to their source area first, so only
     * scaled-down sources, masks and patterns can reach it; the reference has no such bound.
     */
    static final long MIN_DECODE_BUDGET = 16L << 20;

    // QXLDrawable field offsets (sizeof 191).
    private static final int DRAWABLE_SIZE = 191;
    private static final int D_SURFACE_ID = 8;
    private static final int D_EFFECT = 12;
    private static final int D_TYPE = 13;
    private static final int D_SELF_BITMAP = 14;
    private static final int D_BBOX = 31;
    private static final int D_CLIP = 47;
    private static final int D_MM_TIME = 59;
    private static final int D_UNION = 123;
    /** QXL_DRAW_* types. */
    static final int DRAW_NOP = 0;
    static final int DRAW_FILL = 1;
    static final int DRAW_OPAQUE = 2;
    static final int DRAW_COPY = 3;
    static final int DRAW_COPY_BITS = 4;
    static final int DRAW_BLEND = 5;
    static final int DRAW_BLACKNESS = 6;
    static final int DRAW_WHITENESS = 7;
    static final int DRAW_INVERS = 8;
    static final int DRAW_ROP3 = 9;
    static final int DRAW_STROKE = 10;
    static final int DRAW_TEXT = 11;
    static final int DRAW_TRANSPARENT = 12;
    static final int DRAW_ALPHA_BLEND = 13;
    static final int DRAW_COMPOSITE = 14;

    private static final int IMAGE_DESCRIPTOR_SIZE = 18;
    private static final int BITMAP_SIZE = 30;
    private static final int IMAGE_TYPE_BITMAP = 0;
    /** QXLImageDescriptor flag: the guest may send this image again under the same id. */
    private static final int QXL_IMAGE_CACHE = 1;
    private static final int IMAGE_TYPE_SURFACE = 104;
    private static final int BITMAP_DIRECT = 1;
    private static final int BITMAP_TOP_DOWN = 4;
    private static final int CHUNK_HEADER = 20;

    private final GuestMemory memory;
    private final SurfaceSizes surfaces;
    /** Decoded bytes the command being read may still produce (the reader is used by one thread). */
    private long decodeLeft;

    /** What the reader needs to know about existing surfaces (SURFACE images take their size from them). */
    public interface SurfaceSizes {
        /** The {width, height} of surface {@code id}, or null when it does not exist. */
        int[] size(int id);
    }

    public QxlReader(GuestMemory memory, SurfaceSizes surfaces) {
        this.memory = memory;
        this.surfaces = surfaces;
    }

    private static int u8(MemorySegment s, long offset) {
        return Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, offset));
    }

    private static int u16(MemorySegment s, long offset) {
        return Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset));
    }

    private static int i16(MemorySegment s, long offset) {
        return s.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset);
    }

    private static int i32(MemorySegment s, long offset) {
        return s.get(ValueLayout.JAVA_INT_UNALIGNED, offset);
    }

    private static long u64(MemorySegment s, long offset) {
        return s.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
    }

    private static Rect rect(MemorySegment s, long offset) {
        return new Rect(i32(s, offset), i32(s, offset + 4), i32(s, offset + 8), i32(s, offset + 12));
    }

    // ---- drawables ----

    public Drawable drawable(long address, int group, int commandFlags, SegmentAllocator alloc) {
        if ((commandFlags & FLAG_COMPAT) != 0) {
            throw new QxlException("compat drawables (old guest drivers) are not supported");
        }
        MemorySegment d = memory.segment(address, DRAWABLE_SIZE, group);
        int surfaceId = i32(d, D_SURFACE_ID);
        int[] target = surfaces.size(surfaceId);
        decodeLeft = target == null ? MIN_DECODE_BUDGET
                : Math.max(MIN_DECODE_BUDGET, 3 * 4L * target[0] * target[1]);
        Rect bbox = rect(d, D_BBOX);
        if (!bbox.wellFormed()) {
            throw new QxlException("malformed bbox " + bbox);
        }
        if (u8(d, D_SELF_BITMAP) != 0) {
            throw new QxlException("self_bitmap drawables are not supported");
        }
        List<Rect> clip = clip(d, group);
        if (clip != null && clip.size() == 1 && clip.getFirst().contains(bbox)) {
            clip = null; // one rectangle around the whole box clips nothing (the qxl KMS driver's dirty copies)
        }
        MemorySegment u = d.asSlice(D_UNION);
        int type = u8(d, D_TYPE);
        DrawOp op = switch (type) {
            case DRAW_FILL -> new DrawOp.Fill(brush(u, 0, group, alloc), u16(u, 20), mask(u, 22, group, alloc));
            case DRAW_OPAQUE -> {
                Sourced src = source(u, 0, 8, group, alloc);
                yield new DrawOp.Opaque(src.image(), src.area(), brush(u, 24, group, alloc), u16(u, 44), u8(u, 46),
                        mask(u, 47, group, alloc));
            }
            case DRAW_COPY, DRAW_BLEND -> {
                Sourced src = source(u, 0, 8, group, alloc);
                yield new DrawOp.Copy(src.image(), src.area(), u16(u, 24), u8(u, 26), mask(u, 27, group, alloc),
                        type == DRAW_BLEND);
            }
            case DRAW_COPY_BITS -> new DrawOp.CopyBits(i32(u, 0), i32(u, 4));
            case DRAW_BLACKNESS -> new DrawOp.Solid(DrawOp.Solid.Kind.BLACKNESS, mask(u, 0, group, alloc));
            case DRAW_WHITENESS -> new DrawOp.Solid(DrawOp.Solid.Kind.WHITENESS, mask(u, 0, group, alloc));
            case DRAW_INVERS -> new DrawOp.Solid(DrawOp.Solid.Kind.INVERS, mask(u, 0, group, alloc));
            case DRAW_ROP3 -> {
                Sourced src = source(u, 0, 8, group, alloc);
                yield new DrawOp.Rop3(src.image(), src.area(), brush(u, 24, group, alloc), u8(u, 44), u8(u, 45),
                        mask(u, 46, group, alloc));
            }
            case DRAW_TRANSPARENT -> {
                Sourced src = source(u, 0, 8, group, alloc);
                yield new DrawOp.Transparent(src.image(), src.area(), i32(u, 24), i32(u, 28));
            }
            case DRAW_STROKE -> new DrawOp.Stroke(path(u64(u, 0), group), lineAttr(u, 8, group),
                    brush(u, 28, group, alloc), u16(u, 48), u16(u, 50));
            case DRAW_TEXT -> new DrawOp.Text(glyphs(u64(u, 0), group), rect(u, 8), brush(u, 24, group, alloc),
                    brush(u, 44, group, alloc), u16(u, 64), u16(u, 66));
            case DRAW_COMPOSITE -> composite(u, group, alloc);
            case DRAW_ALPHA_BLEND -> {
                Sourced src = source(u, 3, 11, group, alloc);
                yield new DrawOp.AlphaBlend(u16(u, 0), u8(u, 2), src.image(), src.area());
            }
            default -> throw new QxlException("draw type " + type + " is not supported");
        };
        checkSourceArea(op);
        return new Drawable(surfaceId, u8(d, D_EFFECT), bbox, clip, op, i32(d, D_MM_TIME));
    }

    /** A source area must be well formed and lie inside its image, or the client would read outside it. */
    private static void checkSourceArea(DrawOp op) {
        Image src = null;
        Rect area = null;
        switch (op) {
            case DrawOp.Copy c -> { src = c.src(); area = c.srcArea(); }
            case DrawOp.Opaque o -> { src = o.src(); area = o.srcArea(); }
            case DrawOp.Rop3 r -> { src = r.src(); area = r.srcArea(); }
            case DrawOp.Transparent t -> { src = t.src(); area = t.srcArea(); }
            case DrawOp.AlphaBlend a -> { src = a.src(); area = a.srcArea(); }
            default -> { }
        }
        if (src != null && (!area.wellFormed() || !Rect.ofSize(src.width(), src.height()).contains(area))) {
            throw new QxlException("source area " + area + " outside its " + src.width() + "x" + src.height()
                    + " image");
        }
    }

    /**
     * QXLComposite: u32 flags, u64 src, u64 src_transform, u64 mask, u64 mask_transform, QXLPoint16 src_origin,
     * QXLPoint16 mask_origin. The flags say which optional parts exist; each must then be there.
     */
    private DrawOp.Composite composite(MemorySegment u, int group, SegmentAllocator alloc) {
        int flags = i32(u, 0);
        Image mask = (flags & DrawOp.Composite.HAS_MASK) != 0 ? whole(required(u64(u, 20), "mask"), group, alloc)
                : null;
        int[] srcTransform = (flags & DrawOp.Composite.HAS_SRC_TRANSFORM) != 0
                ? transform(required(u64(u, 12), "source transform"), group) : null;
        int[] maskTransform = (flags & DrawOp.Composite.HAS_MASK_TRANSFORM) != 0
                ? transform(required(u64(u, 28), "mask transform"), group) : null;
        return new DrawOp.Composite(flags, whole(u64(u, 4), group, alloc), mask, srcTransform, maskTransform,
                i16(u, 36), i16(u, 38), i16(u, 40), i16(u, 42));
    }

    private static long required(long address, String what) {
        if (address == 0) {
            throw new QxlException("composite flags announce a " + what + " that is missing");
        }
        return address;
    }

    /** QXLTransform: six u32 16.16 fixed-point entries. */
    private int[] transform(long address, int group) {
        return memory.segment(address, 24, group).toArray(ValueLayout.JAVA_INT_UNALIGNED);
    }

    /** QXLPath: u32 data_size, then a chunk chain of QXLPathSeg {u32 flags, u32 count, QXLPointFix[count]}. */
    private DrawOp.Path path(long address, int group) {
        long size = Integer.toUnsignedLong(i32(memory.segment(address, 4, group), 0));
        if (size > MAX_SHAPE_DATA) {
            throw new QxlException("path of " + size + " bytes");
        }
        MemorySegment data = chunks(address + 4, 0, size, group, HEAP);
        List<DrawOp.Path.Segment> segments = new ArrayList<>();
        long at = 0;
        while (at < size) {
            if (size - at < 8) {
                throw new QxlException("path segment header cut at byte " + at);
            }
            int flags = i32(data, at);
            long count = Integer.toUnsignedLong(i32(data, at + 4));
            if (count > (size - at - 8) / 8) {
                throw new QxlException("path segment of " + count + " points runs past the path");
            }
            int[] points = data.asSlice(at + 8, count * 8).toArray(ValueLayout.JAVA_INT_UNALIGNED);
            segments.add(new DrawOp.Path.Segment(flags & 0xFF, points));
            at += 8 + count * 8;
        }
        return new DrawOp.Path(segments);
    }

    /** QXLLineAttr: u8 flags, u8 join, u8 end, u8 style_nseg, fixed width, fixed miter, u64 style. */
    private DrawOp.LineAttr lineAttr(MemorySegment u, long offset, int group) {
        int flags = u8(u, offset);
        int segments = u8(u, offset + 3);
        if ((flags & DrawOp.LineAttr.STYLED) == 0 || segments == 0) {
            return new DrawOp.LineAttr(flags & ~DrawOp.LineAttr.STYLED, new int[0]);
        }
        MemorySegment style = memory.segment(u64(u, offset + 12), 4L * segments, group);
        return new DrawOp.LineAttr(flags, style.toArray(ValueLayout.JAVA_INT_UNALIGNED));
    }

    /** QXLString: u32 data_size, u16 length, u16 flags, then a chunk chain of QXLRasterGlyph. */
    private DrawOp.GlyphString glyphs(long address, int group) {
        MemorySegment head = memory.segment(address, 8, group);
        long size = Integer.toUnsignedLong(i32(head, 0));
        int length = u16(head, 4);
        int flags = u16(head, 6);
        int bpp = switch (flags & 7) {
            case 1 -> 1;
            case 2 -> 4;
            case 4 -> 8;
            default -> throw new QxlException("glyph string flags " + flags + " name no single raster depth");
        };
        if (size > MAX_SHAPE_DATA) {
            throw new QxlException("glyph string of " + size + " bytes");
        }
        MemorySegment data = chunks(address + 8, 0, size, group, HEAP);
        List<DrawOp.GlyphString.Glyph> glyphs = new ArrayList<>(Math.min(length, 1024));
        long at = 0;
        for (int i = 0; i < length; i++) {
            if (size - at < 20) {
                throw new QxlException("glyph " + i + " cut short");
            }
            int width = u16(data, at + 16);
            int height = u16(data, at + 18);
            long bytes = (long) ((bpp * width + 7) / 8) * height;
            if (bytes > size - at - 20) {
                throw new QxlException("glyph " + i + " of " + width + "x" + height + " runs past the string");
            }
            glyphs.add(new DrawOp.GlyphString.Glyph(i32(data, at), i32(data, at + 4), i32(data, at + 8),
                    i32(data, at + 12), width, height, data.asSlice(at + 20, bytes).toArray(ValueLayout.JAVA_BYTE)));
            at += 20 + bytes;
        }
        return new DrawOp.GlyphString(flags & 0xFF, glyphs);
    }

    private List<Rect> clip(MemorySegment d, int group) {
        int type = i32(d, D_CLIP);
        if (type == 0) {
            return null;
        }
        if (type != 1) {
            throw new QxlException("clip type " + type + " unknown");
        }
        MemorySegment head = memory.segment(u64(d, D_CLIP + 4), 4, group);
        long count = Integer.toUnsignedLong(i32(head, 0));
        if (count > MAX_CLIP_RECTS) {
            throw new QxlException(count + " clip rectangles");
        }
        // QXLClipRects: u32 num_rects, then a QXLDataChunk chain holding the rectangles.
        MemorySegment rects = chunks(u64(d, D_CLIP + 4) + 4, 0, count * 16, group, HEAP);
        List<Rect> clip = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            Rect r = rect(rects, i * 16L);
            if (!r.wellFormed()) {
                throw new QxlException("malformed clip rectangle " + r);
            }
            clip.add(r);
        }
        return clip;
    }

    private Brush brush(MemorySegment u, long offset, int group, SegmentAllocator alloc) {
        int type = i32(u, offset);
        return switch (type) {
            case Brush.TYPE_NONE -> Brush.NONE;
            case Brush.TYPE_SOLID -> new Brush.Solid(i32(u, offset + 4));
            case Brush.TYPE_PATTERN -> new Brush.Pattern(whole(u64(u, offset + 4), group, alloc), i32(u, offset + 12),
                    i32(u, offset + 16));
            default -> throw new QxlException("brush type " + type + " unknown");
        };
    }

    private Mask mask(MemorySegment u, long offset, int group, SegmentAllocator alloc) {
        long bitmap = u64(u, offset + 9);
        if (bitmap == 0) {
            return Mask.NONE;
        }
        return new Mask(u8(u, offset), i32(u, offset + 1), i32(u, offset + 5), whole(bitmap, group, alloc));
    }

    // ---- images ----

    /** An image and the area of it a drawable uses, in the image's coordinates. */
    private record Sourced(Image image, Rect area) {
    }

    /** The source image at {@code u[imageAt]} and its area at {@code u[areaAt]}, cropped to that area. */
    private Sourced source(MemorySegment u, long imageAt, long areaAt, int group, SegmentAllocator alloc) {
        return image(u64(u, imageAt), group, alloc, rect(u, areaAt));
    }

    /** QXLImage: a bitmap (decoded to 32-bit pixels) or a reference to a surface, as a whole. */
    public Image image(long address, int group, SegmentAllocator alloc) {
        decodeLeft = MIN_DECODE_BUDGET;
        return image(address, group, alloc, null).image();
    }

    private Image whole(long address, int group, SegmentAllocator alloc) {
        return image(address, group, alloc, null).image();
    }

    /** {@code area} null: the whole image; else only that part is decoded and the area moves with the crop. */
    private Sourced image(long address, int group, SegmentAllocator alloc, Rect area) {
        MemorySegment descriptor = memory.segment(address, IMAGE_DESCRIPTOR_SIZE, group);
        int type = u8(descriptor, 8);
        int width = i32(descriptor, 10);
        int height = i32(descriptor, 14);
        return switch (type) {
            case IMAGE_TYPE_BITMAP -> cacheable(bitmap(memory.segment(address, IMAGE_DESCRIPTOR_SIZE + BITMAP_SIZE,
                    group).asSlice(IMAGE_DESCRIPTOR_SIZE), group, alloc, area), descriptor, width, height);
            case IMAGE_TYPE_SURFACE -> {
                int id = i32(memory.segment(address, IMAGE_DESCRIPTOR_SIZE + 4, group), IMAGE_DESCRIPTOR_SIZE);
                int[] size = surfaces.size(id);
                if (size == null) {
                    throw new QxlException("image of surface " + id + " that does not exist");
                }
                yield new Sourced(new SurfaceImage(id, size[0], size[1]), area);
            }
            default -> throw new QxlException("image type " + type + " (" + width + "x" + height
                    + ") is not supported");
        };
    }

    /**
     * The bitmap with the guest's image id when the guest marked it QXL_IMAGE_CACHE and all of it was read: a
     * cropped decode must never be cached under the id of the whole image.
     */
    private static Sourced cacheable(Sourced s, MemorySegment descriptor, int width, int height) {
        long id = u64(descriptor, 0);
        if ((u8(descriptor, 9) & QXL_IMAGE_CACHE) == 0 || id == Bitmap.NOT_CACHED
                || !(s.image() instanceof Bitmap b) || b.width() != width || b.height() != height) {
            return s;
        }
        return new Sourced(b.withCacheId(id), s.area());
    }

    /**
     * QXLBitmap: u8 format, u8 flags, u32 x, u32 y, u32 stride, u64 palette, u64 data. Only the rows and columns
     * of {@code area} are read and decoded, so a huge image costs what the drawable uses of it.
     */
    private Sourced bitmap(MemorySegment b, int group, SegmentAllocator alloc, Rect area) {
        int format = u8(b, 0);
        int flags = u8(b, 1);
        long width = Integer.toUnsignedLong(i32(b, 2));
        long height = Integer.toUnsignedLong(i32(b, 6));
        long stride = Integer.toUnsignedLong(i32(b, 10));
        if (width == 0 || height == 0 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
            throw new QxlException("bitmap size " + width + "x" + height + " refused");
        }
        long rowBytes = BitmapFormat.rowBytes(format, (int) width);
        if (rowBytes < 0) {
            throw new QxlException("bitmap format " + format + " unknown");
        }
        if (stride < rowBytes) {
            throw new QxlException("bitmap stride " + stride + " is smaller than a row of " + rowBytes + " bytes");
        }
        Rect whole = Rect.ofSize((int) width, (int) height);
        if (area != null && (!area.wellFormed() || area.isEmpty() || !whole.contains(area))) {
            throw new QxlException("source area " + area + " outside its " + width + "x" + height + " image");
        }
        long size = stride * (height - 1) + rowBytes;
        long dataAddress = u64(b, 22);
        boolean direct = (flags & BITMAP_DIRECT) != 0;
        boolean topDown = (flags & BITMAP_TOP_DOWN) != 0;
        if (direct && (format == BitmapFormat.THIRTY_TWO_BIT || format == BitmapFormat.RGBA) && stride == rowBytes
                && topDown && alloc instanceof PixelPool.Lease lease && lease.mayBorrow(group)) {
            // Already in our pixel layout and owned by the host itself: use it where it is, no copy.
            return new Sourced(new Bitmap((int) width, (int) height,
                    lease.borrow(memory.segment(dataAddress, size, group)), format == BitmapFormat.RGBA), area);
        }
        Rect crop = area == null ? whole : area;
        long decoded = 4L * crop.width() * crop.height();
        if (decoded > decodeLeft) {
            throw new QxlException("image area " + crop.width() + "x" + crop.height() + " exceeds the command's decode"
                    + " budget (" + decodeLeft + " bytes left)");
        }
        int[] palette = BitmapFormat.needsPalette(format) ? palette(u64(b, 14), format, group) : null;
        // The stored rows that hold the crop: rows are bottom-up unless top-down.
        long firstRow = topDown ? crop.top() : height - crop.bottom();
        long skip = firstRow * stride;
        long length = stride * (crop.height() - 1) + rowBytes;
        // Rows are read where the guest put them: direct, in its one chunk, or in chunks that each hold whole rows
        // (as guest drivers split large images). Only rows split across chunks are gathered into a copy first.
        Chain chain = direct ? null : chain(dataAddress, skip, length, group);
        if (chain != null && chain.parts().size() > 1) {
            MemorySegment[] stored = chain.rows(skip, stride, rowBytes, crop.height());
            if (stored != null) {
                return sourced(BitmapFormat.decodeRows(format, crop.left(), crop.width(), topDown, palette, stored,
                        alloc.allocate(decoded, 8)), area);
            }
            try (Arena scratch = Arena.ofConfined()) {
                return decodeCrop(format, crop, stride, topDown, palette, chain.copy(skip, length, scratch),
                        alloc.allocate(decoded, 8), area);
            }
        }
        MemorySegment data = chain == null ? memory.segment(dataAddress, size, group).asSlice(skip, length)
                : chain.onlyPart(skip, length);
        return decodeCrop(format, crop, stride, topDown, palette, data, alloc.allocate(decoded, 8), area);
    }

    /** {@code crop} decoded from {@code data}, its stored rows {@code stride} apart, into {@code out}. */
    private Sourced decodeCrop(int format, Rect crop, long stride, boolean topDown, int[] palette, MemorySegment data,
                               MemorySegment out, Rect area) {
        return sourced(BitmapFormat.decode(format, crop.left(), crop.width(), crop.height(), (int) stride, topDown,
                palette, data, out), area);
    }

    private Sourced sourced(Bitmap bitmap, Rect area) {
        decodeLeft -= 4L * bitmap.width() * bitmap.height();
        return new Sourced(bitmap, area == null ? null : Rect.ofSize(bitmap.width(), bitmap.height()));
    }

    /** QXLPalette: u64 unique, u16 num_ents, u32 ents[num_ents]. */
    private int[] palette(long address, int format, int group) {
        if (address == 0) {
            if (BitmapFormat.paletteEntries(format) == 2) {
                return BitmapFormat.MONO_PALETTE; // 1-bit masks come without a palette
            }
            throw new QxlException("palettized bitmap (format " + format + ") without a palette");
        }
        MemorySegment head = memory.segment(address, 10, group);
        int entries = u16(head, 8);
        int max = BitmapFormat.paletteEntries(format);
        MemorySegment ents = memory.segment(address, 10 + 4L * entries, group).asSlice(10);
        int[] palette = new int[max];
        for (int i = 0; i < Math.min(entries, max); i++) {
            palette[i] = ents.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * i);
        }
        return palette;
    }

    /** Small guest structures (paths, glyphs, clip lists, cursors), bounded by their callers, go to the heap. */
    private static final SegmentAllocator HEAP = (size, alignment) -> MemorySegment.ofArray(new byte[(int) size]);

    /**
     * Bytes {@code skip} to {@code skip + length} of the QXLDataChunk chain at {@code address} ({u32 data_size,
     * u64 prev, u64 next, data}), copied into memory from {@code into}. The chain is walked first, so nothing is
     * allocated for bytes it does not hold; a chain that is too short or loops is refused.
     */
    MemorySegment chunks(long address, long skip, long length, int group, SegmentAllocator into) {
        return chain(address, skip, length, group).copy(skip, length, into);
    }

    /** The chunks of the chain at {@code address} that hold bytes {@code skip} to {@code skip + length}. */
    private Chain chain(long address, long skip, long length, int group) {
        long end = skip + length;
        if (skip < 0 || length < 0 || end > GuestMemory.MAX_READ) {
            throw new QxlException("chunked data of " + end + " bytes refused");
        }
        List<MemorySegment> parts = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        long held = 0;
        long next = address;
        while (next != 0 && held < end) {
            if (!seen.add(next) || seen.size() > MAX_CHUNKS) {
                throw new QxlException("data chunk chain loops or is too long");
            }
            MemorySegment header = memory.segment(next, CHUNK_HEADER, group);
            long take = Math.min(Integer.toUnsignedLong(i32(header, 0)), end - held);
            if (held + take > skip) {
                parts.add(memory.segment(next, CHUNK_HEADER + take, group).asSlice(CHUNK_HEADER));
            }
            held += take;
            next = u64(header, 12);
        }
        if (held < end) {
            throw new QxlException("data chunks hold " + held + " of " + end + " bytes");
        }
        return new Chain(parts, end);
    }

    /**
     * Guest memory of the chunks holding a range of a chain's data, in order; the last ends where the range does.
     * Slices of it are read in place, so only by callers that read each byte once (the guest may still write).
     */
    private record Chain(List<MemorySegment> parts, long end) {
        MemorySegment copy(long skip, long length, SegmentAllocator into) {
            MemorySegment out = into.allocate(length, 1);
            long at = end; // walk back from the end: the last parts fill the tail of the range
            long filled = length;
            for (int i = parts.size() - 1; i >= 0 && filled > 0; i--) {
                MemorySegment part = parts.get(i);
                at -= part.byteSize();
                long from = Math.max(skip - at, 0);
                long n = part.byteSize() - from;
                filled -= n;
                MemorySegment.copy(part, from, out, filled, n);
            }
            return out;
        }

        /** The range in place, in a chain of one part (which starts at or before {@code skip}). */
        MemorySegment onlyPart(long skip, long length) {
            MemorySegment only = parts.get(0);
            return only.asSlice(skip - (end - only.byteSize()), length);
        }

        /**
         * {@code count} rows of {@code rowBytes}, {@code stride} apart from {@code skip} on, each in place, or null
         * when a row is split across chunks.
         */
        MemorySegment[] rows(long skip, long stride, long rowBytes, int count) {
            MemorySegment[] rows = new MemorySegment[count];
            int k = 0;
            long partStart = end;
            for (MemorySegment part : parts) {
                partStart -= part.byteSize();
            }
            for (int r = 0; r < count; r++) {
                long at = skip + r * stride;
                while (k < parts.size() && partStart + parts.get(k).byteSize() <= at) {
                    partStart += parts.get(k).byteSize();
                    k++;
                }
                if (k == parts.size() || at < partStart || at + rowBytes > partStart + parts.get(k).byteSize()) {
                    return null;
                }
                rows[r] = parts.get(k).asSlice(at - partStart, rowBytes);
            }
            return rows;
        }
    }

    // ---- other commands ----

    public SurfaceCommand surface(long address, int group) {
        MemorySegment s = memory.segment(address, 41, group);
        int type = u8(s, 12);
        if (type != 0 && type != 1) {
            throw new QxlException("surface command type " + type + " unknown");
        }
        return new SurfaceCommand(i32(s, 8), type == 0, i32(s, 13), i32(s, 17), i32(s, 21), i32(s, 25), i32(s, 29),
                u64(s, 33));
    }

    /** QXLUpdateCmd's surface id (the area is current already: we draw as commands are taken). */
    public int updateSurface(long address, int group) {
        return i32(memory.segment(address, 32, group), 28);
    }

    public String message(long address, int group) {
        memory.segment(address, 8, group);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < MAX_MESSAGE; i++) {
            MemorySegment c;
            try {
                c = memory.segment(address + 8 + i, 1, group);
            } catch (QxlException e) {
                break;
            }
            int b = u8(c, 0);
            if (b == 0) {
                break;
            }
            text.append((char) b);
        }
        return new String(text.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    /**
     * QXLMonitorsConfig: u16 count, u16 max_allowed, QXLHead[count] (28 bytes each, as on the wire). The guest's
     * memory must hold all {@code count} heads, as the reference checks; the first {@link MonitorsConfig#MAX_HEADS}
     * are read. {@link MonitorsConfig.Guest#check} judges the rest.
     */
    public MonitorsConfig.Guest monitorsConfig(long address, int group) {
        MemorySegment head = memory.segment(address, 4, group);
        int count = u16(head, 0);
        MemorySegment heads = memory.segment(address, 4 + 28L * count, group).asSlice(4);
        int read = Math.min(count, MonitorsConfig.MAX_HEADS);
        List<MonitorsConfig.Head> list = new ArrayList<>(read);
        for (int i = 0; i < read; i++) {
            long at = 28L * i;
            list.add(new MonitorsConfig.Head(i32(heads, at), i32(heads, at + 4), i32(heads, at + 8),
                    i32(heads, at + 12), i32(heads, at + 16), i32(heads, at + 20), i32(heads, at + 24)));
        }
        return new MonitorsConfig.Guest(count, u16(head, 2), list);
    }

    public CursorCommand cursor(long address, int group) {
        MemorySegment c = memory.segment(address, 22, group);
        int type = u8(c, 8);
        return switch (type) {
            case 0 -> new CursorCommand.Set(i16(c, 9), i16(c, 11), u8(c, 13) != 0, cursorShape(u64(c, 14), group));
            case 1 -> new CursorCommand.Move(i16(c, 9), i16(c, 11));
            case 2 -> new CursorCommand.Hide();
            case 3 -> new CursorCommand.Trail(u16(c, 9), u16(c, 11));
            default -> throw new QxlException("cursor command type " + type + " unknown");
        };
    }

    /** QXLCursor: header {u64 unique, u16 type, u16 width, u16 height, u16 hot_x, u16 hot_y}, u32 data_size, chunk. */
    private CursorShape cursorShape(long address, int group) {
        MemorySegment c = memory.segment(address, 22, group);
        int type = u16(c, 8);
        int width = u16(c, 10);
        int height = u16(c, 12);
        if (width > CursorShape.MAX_SIZE || height > CursorShape.MAX_SIZE) {
            throw new QxlException("cursor " + width + "x" + height + " too large");
        }
        long expected = CursorShape.dataSize(type, width, height);
        if (expected < 0) {
            throw new QxlException("cursor type " + type + " unknown");
        }
        long declared = Integer.toUnsignedLong(i32(c, 18));
        if (declared < expected) {
            throw new QxlException("cursor data of " + declared + " bytes, type " + type + " needs " + expected);
        }
        byte[] data = chunks(address + 22, 0, expected, group, HEAP).toArray(ValueLayout.JAVA_BYTE);
        return new CursorShape(u64(c, 0), type, width, height, u16(c, 14), u16(c, 16), data);
    }
}
