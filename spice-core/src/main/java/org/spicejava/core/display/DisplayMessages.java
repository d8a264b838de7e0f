package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Consumer;

import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.Brush;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Image;
import org.spicejava.core.display.draw.Mask;
import org.spicejava.core.display.draw.Rect;
import org.spicejava.core.display.draw.SurfaceImage;

/**
 * Display channel messages (SPICE_MSG_DISPLAY_*) as exact wire bodies. Images go out uncompressed: 32-bit bitmaps
 * (RGBA when they carry alpha), masks as 1-bit bitmaps, surface images by id.
 */
public final class DisplayMessages {
    public static final int MSG_MARK = 102;
    public static final int MSG_RESET = 103;
    public static final int MSG_COPY_BITS = 104;
    public static final int MSG_INVAL_LIST = 105;
    public static final int MSG_INVAL_ALL_PIXMAPS = 106;
    public static final int MSG_INVAL_ALL_PALETTES = 108;
    public static final int MSG_STREAM_CREATE = 122;
    public static final int MSG_STREAM_DATA = 123;
    public static final int MSG_STREAM_CLIP = 124;
    public static final int MSG_STREAM_DESTROY = 125;
    public static final int MSG_STREAM_DESTROY_ALL = 126;
    public static final int MSG_STREAM_DATA_SIZED = 316;
    /** SPICE_DISPLAY_CAP_SIZED_STREAM: the client takes frames of another size or box than the stream's. */
    public static final int CAP_SIZED_STREAM = 0;
    /** SPICE_VIDEO_CODEC_TYPE_MJPEG and SPICE_STREAM_FLAGS_TOP_DOWN. */
    static final int CODEC_MJPEG = 1;
    static final int STREAM_TOP_DOWN = 1;
    public static final int MSG_DRAW_FILL = 302;
    public static final int MSG_DRAW_OPAQUE = 303;
    public static final int MSG_DRAW_COPY = 304;
    public static final int MSG_DRAW_BLEND = 305;
    public static final int MSG_DRAW_BLACKNESS = 306;
    public static final int MSG_DRAW_WHITENESS = 307;
    public static final int MSG_DRAW_INVERS = 308;
    public static final int MSG_DRAW_ROP3 = 309;
    public static final int MSG_DRAW_STROKE = 310;
    public static final int MSG_DRAW_TEXT = 311;
    public static final int MSG_DRAW_TRANSPARENT = 312;
    public static final int MSG_DRAW_ALPHA_BLEND = 313;
    public static final int MSG_SURFACE_CREATE = 314;
    public static final int MSG_SURFACE_DESTROY = 315;
    public static final int MSG_MONITORS_CONFIG = 317;
    public static final int MSG_DRAW_COMPOSITE = 318;
    /** Display channel capabilities (SPICE_DISPLAY_CAP_*) we advertise, as the reference does for these. */
    public static final int CAP_MONITORS_CONFIG = 1;
    /** SPICE_DISPLAY_CAP_COMPOSITE and _A8_SURFACE: only passed on to the device (set_client_capabilities). */
    static final int CAP_COMPOSITE = 2;
    static final int CAP_A8_SURFACE = 3;
    public static final int CAP_PREF_COMPRESSION = 6;
    static final int CAP_STREAM_REPORT = 4;
    static final int CAP_PREF_VIDEO_CODEC_TYPE = 12;
    public static final int SERVER_CAPS = 1 << CAP_MONITORS_CONFIG | 1 << CAP_PREF_COMPRESSION | 1 << CAP_STREAM_REPORT
            | 1 << CAP_PREF_VIDEO_CODEC_TYPE;
    /** SPICE_SURFACE_FLAGS_PRIMARY. */
    public static final int SURFACE_PRIMARY = 1;
    /** Wire image types and bitmap formats/flags we produce. */
    static final int IMAGE_BITMAP = 0;
    static final int IMAGE_FROM_CACHE = 103;
    /** SPICE_ROPD_OP_OR, _AND and _XOR: the rop combines the source with what is there. */
    static final int ROPD_OPS_COMBINING = 1 << 4 | 1 << 5 | 1 << 6;
    static final int IMAGE_SURFACE = 104;
    /** SPICE_IMAGE_FLAGS_CACHE_ME: the client keeps the image under its id. */
    static final int IMAGE_CACHE_ME = 1;
    /** SPICE_RES_TYPE_PIXMAP, in INVAL_LIST. */
    static final int RESOURCE_PIXMAP = 1;
    static final int BITMAP_FMT_1BIT_BE = 2;
    static final int BITMAP_FMT_32BIT = 8;
    static final int BITMAP_FMT_RGBA = 9;
    static final int BITMAP_TOP_DOWN = 4;

    /**
     * A message ready to send: its type and body parts (the fixed part first). Messages that carry image memory hold
     * the lease it lives in and close it when the last holder releases them; each client queue holds one reference.
     * Display worker thread.
     */
    public static final class Message {
        private final int type;
        private final ByteBuffer[] parts;
        private final int size;
        private final AutoCloseable owner;
        private final Drawable drawable;
        private int refs = 1;
        /** Set when this draw is a frame of a video stream: clients that know the stream get it as STREAM_DATA. */
        private StreamFrame frame;
        private boolean lossless;

        Message(int type, ByteBuffer[] parts, AutoCloseable owner) {
            this(type, parts, owner, null);
        }

        Message(int type, ByteBuffer[] parts, AutoCloseable owner, Drawable drawable) {
            this.drawable = drawable;
            this.type = type;
            this.parts = parts;
            int total = 0;
            for (ByteBuffer p : parts) {
                total += p.remaining();
            }
            this.size = total;
            this.owner = owner;
        }

        Message(int type, ByteBuffer body) {
            this(type, new ByteBuffer[] {body}, null);
        }

        public int type() {
            return type;
        }

        /** Memory that lives as long as this message (its lease), for per-client payloads; null when none. */
        SegmentAllocator memory() {
            return owner instanceof SegmentAllocator a ? a : null;
        }

        /** The drawable a draw message was made from, or null. */
        public Drawable drawable() {
            return drawable;
        }

        /**
         * True when this draw replaces everything in its box whatever was there (an unmasked, unclipped plain
         * copy), so earlier draws entirely inside the box need not be sent.
         */
        public boolean covers(Drawable earlier) {
            return drawable != null && earlier != null && earlier.surfaceId() == drawable.surfaceId()
                    && isOpaqueCover(drawable) && drawable.bbox().contains(earlier.bbox());
        }

        public int size() {
            return size;
        }

        StreamFrame frame() {
            return frame;
        }

        /** True for the picture that replaces an ended stream: it must reach every client losslessly. */
        boolean lossless() {
            return lossless;
        }

        Message lossless(boolean value) {
            lossless = value;
            return this;
        }

        void frame(StreamFrame value) {
            frame = value;
        }

        /** The fixed part (little-endian). */
        public ByteBuffer head() {
            return parts[0].duplicate().order(ByteOrder.LITTLE_ENDIAN);
        }

        /** The parts to write, each a fresh view. */
        public ByteBuffer[] parts() {
            ByteBuffer[] views = new ByteBuffer[parts.length];
            for (int i = 0; i < parts.length; i++) {
                views[i] = parts[i].duplicate();
            }
            return views;
        }

        /** The whole body in one buffer (tests; small messages). */
        public ByteBuffer body() {
            ByteBuffer all = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
            for (ByteBuffer p : parts) {
                all.put(p.duplicate());
            }
            return all.flip();
        }

        public Message retain() {
            if (refs <= 0) {
                throw new IllegalStateException("message already released");
            }
            refs++;
            return this;
        }

        public void release() {
            if (--refs == 0 && owner != null) {
                try {
                    owner.close();
                } catch (Exception e) {
                    throw new IllegalStateException("image memory could not be released", e);
                }
            }
        }
    }

    /** A draw that is also frame of stream {@code streamId} (source {@code width} x {@code height} into {@code dest}). */
    record StreamFrame(int streamId, int width, int height, Rect dest, boolean sized, int mmTime) {
    }

    private DisplayMessages() {
    }

    /**
     * STREAM_CREATE: surface 0, top-down frames, the source size both as stream and source size. The codec byte
     * says MJPEG; each client's copy names the codec it gets.
     */
    static Message streamCreate(int id, int width, int height, Rect dest, List<Rect> clip) {
        WireWriter w = new WireWriter(64 + 16 * clip.size()).u32(0).u32(id).u8(STREAM_TOP_DOWN).u8(CODEC_MJPEG)
                .u64(0).u32(width).u32(height).u32(width).u32(height);
        rect(w, dest);
        clip(w, clip);
        return new Message(MSG_STREAM_CREATE, w.finishOne());
    }

    static Message streamClip(int id, List<Rect> clip) {
        WireWriter w = new WireWriter(16 + 16 * clip.size()).u32(id);
        clip(w, clip);
        return new Message(MSG_STREAM_CLIP, w.finishOne());
    }

    static Message streamDestroy(int id) {
        return new Message(MSG_STREAM_DESTROY, new WireWriter(4).u32(id).finishOne());
    }

    /** STREAM_DATA, or STREAM_DATA_SIZED when the frame's size or box is not the stream's: header, then the JPEG. */
    static ByteBuffer[] streamData(StreamFrame f, MemorySegment jpeg) {
        WireWriter w = new WireWriter(40).u32(f.streamId()).u32(f.mmTime());
        if (f.sized()) {
            w.u32(f.width()).u32(f.height());
            rect(w, f.dest());
        }
        w.u32(Math.toIntExact(jpeg.byteSize()));
        return new ByteBuffer[] {w.finishOne(), jpeg.asByteBuffer()};
    }

    public static Message surfaceCreate(int id, int width, int height, int format, int flags) {
        return new Message(MSG_SURFACE_CREATE, new WireWriter(20).u32(id).u32(width).u32(height).u32(format)
                .u32(flags).finishOne());
    }

    public static Message surfaceDestroy(int id) {
        return new Message(MSG_SURFACE_DESTROY, new WireWriter(4).u32(id).finishOne());
    }

    /** MONITORS_CONFIG: u16 count, u16 max_allowed, heads {u32 id, surface_id, width, height, x, y, flags}. */
    public static Message monitorsConfig(MonitorsConfig config) {
        WireWriter w = new WireWriter(4 + 28 * config.heads().size()).u16(config.heads().size())
                .u16(config.maxAllowed());
        for (MonitorsConfig.Head h : config.heads()) {
            w.u32(h.id()).u32(h.surfaceId()).u32(h.width()).u32(h.height()).u32(h.x()).u32(h.y()).u32(h.flags());
        }
        return new Message(MSG_MONITORS_CONFIG, w.finishOne());
    }

    public static Message empty(int type) {
        return new Message(type, ByteBuffer.allocate(0));
    }

    /**
     * An unmasked, unclipped plain copy of a bitmap: it writes every pixel of its box from its image alone, so
     * it reads nothing on the surface and replaces whatever it covers.
     */
    public static boolean isOpaqueCover(Drawable d) {
        return d.clip() == null && d.op() instanceof DrawOp.Copy c && !c.blend() && c.rop() == DrawOp.ROPD_OP_PUT
                && c.mask().bitmap() == null && c.src() instanceof Bitmap;
    }

    /** A plain DRAW_COPY of {@code pixels} (area-sized, top-down) to {@code area}; owns {@code images}. */
    public static Message copy(int surfaceId, Rect area, Bitmap pixels, AutoCloseable images) {
        Drawable d = new Drawable(surfaceId, 0, area, null, new DrawOp.Copy(pixels,
                Rect.ofSize(pixels.width(), pixels.height()), DrawOp.ROPD_OP_PUT, 1, Mask.NONE, false), 0);
        return draw(d, images);
    }

    /**
     * How one client's copy of a draw writes its bitmaps: through that client's encoder, with payload memory from
     * the message's own lease (it lives until the message is sent), and its pixmap cache (null: none).
     */
    record Coding(ImageEncoder encoder, int serverSetting, SegmentAllocator memory, PixmapCache cache,
                  boolean lossless) {
        Coding(ImageEncoder encoder, int serverSetting, SegmentAllocator memory, PixmapCache cache) {
            this(encoder, serverSetting, memory, cache, false);
        }
    }

    /** INVAL_LIST: u16 count, then {u8 type, u64 id} per pixmap the client drops. */
    static ByteBuffer invalList(List<Long> ids) {
        WireWriter w = new WireWriter(2 + 9 * ids.size()).u16(ids.size());
        ids.forEach(id -> w.u8(RESOURCE_PIXMAP).u64(id));
        return w.finishOne();
    }

    /** INVAL_ALL_PIXMAPS: a SpiceMsgWaitForChannels with no channel to wait for. */
    static ByteBuffer invalAllPixmaps() {
        return new WireWriter(1).u8(0).finishOne();
    }

    /** The draw message for a drawable; it owns {@code images} (where the drawable's bitmaps live), may be null. */
    public static Message draw(Drawable d, AutoCloseable images) {
        return draw(d, images, null);
    }

    /** The draw message with bitmaps written by {@code coding}, or raw when it is null. */
    static Message draw(Drawable d, AutoCloseable images, Coding coding) {
        WireWriter w = new WireWriter(256);
        w.u32(d.surfaceId());
        rect(w, d.bbox());
        clip(w, d.clip());
        int type = switch (d.op()) {
            case DrawOp.Fill f -> {
                brush(w, f.brush(), coding);
                w.u16(f.rop());
                mask(w, f.mask());
                yield MSG_DRAW_FILL;
            }
            case DrawOp.Opaque o -> {
                w.pointer(image(o.src(), coding, (o.rop() & ROPD_OPS_COMBINING) == 0));
                rect(w, o.srcArea());
                brush(w, o.brush(), coding);
                w.u16(o.rop()).u8(o.scaleMode());
                mask(w, o.mask());
                yield MSG_DRAW_OPAQUE;
            }
            case DrawOp.Copy c -> {
                w.pointer(image(c.src(), coding, true));
                rect(w, c.srcArea());
                w.u16(c.rop()).u8(c.scaleMode());
                mask(w, c.mask());
                yield c.blend() ? MSG_DRAW_BLEND : MSG_DRAW_COPY;
            }
            case DrawOp.CopyBits b -> {
                w.u32(b.srcX()).u32(b.srcY());
                yield MSG_COPY_BITS;
            }
            case DrawOp.Solid s -> {
                mask(w, s.mask());
                yield switch (s.kind()) {
                    case BLACKNESS -> MSG_DRAW_BLACKNESS;
                    case WHITENESS -> MSG_DRAW_WHITENESS;
                    case INVERS -> MSG_DRAW_INVERS;
                };
            }
            case DrawOp.Rop3 r -> {
                w.pointer(image(r.src(), coding));
                rect(w, r.srcArea());
                brush(w, r.brush(), coding);
                w.u8(r.rop3()).u8(r.scaleMode());
                mask(w, r.mask());
                yield MSG_DRAW_ROP3;
            }
            case DrawOp.Transparent t -> {
                w.pointer(image(t.src(), coding));
                rect(w, t.srcArea());
                w.u32(t.srcColor()).u32(t.trueColor());
                yield MSG_DRAW_TRANSPARENT;
            }
            case DrawOp.Stroke st -> {
                w.pointer(path(st.path()));
                // LineAttr: u8 flags; when STYLED, u8 style_nseg and a pointer to the fixed-point dashes.
                w.u8(st.attr().flags());
                if ((st.attr().flags() & DrawOp.LineAttr.STYLED) != 0) {
                    int[] style = st.attr().style();
                    w.u8(style.length).pointer(out -> {
                        for (int v : style) {
                            out.u32(v);
                        }
                    });
                }
                brush(w, st.brush(), coding);
                w.u16(st.foreMode()).u16(st.backMode());
                yield MSG_DRAW_STROKE;
            }
            case DrawOp.Text t -> {
                w.pointer(glyphString(t.string()));
                rect(w, t.backArea());
                brush(w, t.foreBrush(), coding);
                brush(w, t.backBrush(), coding);
                w.u16(t.foreMode()).u16(t.backMode());
                yield MSG_DRAW_TEXT;
            }
            case DrawOp.Composite c -> {
                // u32 flags, src, [mask], [src transform], [mask transform], Point16 src_origin, mask_origin
                w.u32(c.flags()).pointer(image(c.src(), coding));
                if (c.mask() != null) {
                    w.pointer(image(c.mask(), coding));
                }
                for (int[] t : new int[][] {c.srcTransform(), c.maskTransform()}) {
                    if (t != null) {
                        for (int v : t) {
                            w.u32(v);
                        }
                    }
                }
                w.u16(c.srcOriginX()).u16(c.srcOriginY()).u16(c.maskOriginX()).u16(c.maskOriginY());
                yield MSG_DRAW_COMPOSITE;
            }
            case DrawOp.AlphaBlend a -> {
                w.u8(a.alphaFlags()).u8(a.alpha());
                w.pointer(image(a.src(), coding, true));
                rect(w, a.srcArea());
                yield MSG_DRAW_ALPHA_BLEND;
            }
        };
        return new Message(type, w.finish(), images, d);
    }

    /** Path: u32 num_segments, then each {u8 flags, u32 count, PointFix points[count]} inline. */
    private static Consumer<WireWriter> path(DrawOp.Path path) {
        return w -> {
            w.u32(path.segments().size());
            for (DrawOp.Path.Segment s : path.segments()) {
                w.u8(s.flags()).u32(s.points().length / 2);
                for (int v : s.points()) {
                    w.u32(v);
                }
            }
        };
    }

    /** String: u16 length, u8 flags, then each glyph {Point render_pos, Point origin, u16 w, u16 h, data}. */
    private static Consumer<WireWriter> glyphString(DrawOp.GlyphString string) {
        return w -> {
            w.u16(string.glyphs().size()).u8(string.flags());
            for (DrawOp.GlyphString.Glyph g : string.glyphs()) {
                w.u32(g.renderX()).u32(g.renderY()).u32(g.originX()).u32(g.originY()).u16(g.width()).u16(g.height());
                w.bytes(ByteBuffer.wrap(g.data()));
            }
        };
    }

    private static void rect(WireWriter w, Rect r) {
        w.u32(r.top()).u32(r.left()).u32(r.bottom()).u32(r.right());
    }

    /** Clip: u8 type (0 NONE, 1 RECTS), then u32 count and the rectangles inline. */
    private static void clip(WireWriter w, List<Rect> rects) {
        if (rects == null) {
            w.u8(0);
            return;
        }
        w.u8(1).u32(rects.size());
        rects.forEach(r -> rect(w, r));
    }

    private static void brush(WireWriter w, Brush brush, Coding coding) {
        switch (brush) {
            case Brush.None n -> w.u8(Brush.TYPE_NONE);
            case Brush.Solid s -> w.u8(Brush.TYPE_SOLID).u32(s.color());
            case Brush.Pattern p -> {
                w.u8(Brush.TYPE_PATTERN).pointer(image(p.pattern(), coding));
                w.u32(p.x()).u32(p.y());
            }
        }
    }

    /** QMask: u8 flags, Point pos, u32 offset of a 1-bit image (0 = no mask). */
    private static void mask(WireWriter w, Mask mask) {
        w.u8(mask.flags()).u32(mask.x()).u32(mask.y());
        w.pointer(mask.bitmap() == null ? null : maskImage(mask.bitmap()));
    }

    /**
     * Image: descriptor {u64 id, u8 type, u8 flags, u32 width, u32 height}, then the type's data: its fields
     * before data_size (ZLIB_GLZ_RGB's glz_data_size, JPEG_ALPHA's flags and jpeg_size), a u32 data_size and the
     * payload.
     */
    private static Consumer<WireWriter> image(Image image, Coding coding) {
        return image(image, coding, false);
    }

    /**
     * {@code lossyAllowed}: the image is a source the reference lets go lossy (JPEG on a slow link): the src of COPY,
     * BLEND and ALPHA_BLEND, and of OPAQUE without a combining rop. A lossy image is never cached: a later
     * FROM_CACHE would claim the lossless picture.
     */
    private static Consumer<WireWriter> image(Image image, Coding coding, boolean lossyAllowed) {
        long id = 0;
        int flags = 0;
        if (coding != null && image instanceof Bitmap b) {
            PixmapCache cache = coding.cache();
            boolean cacheable = cache != null && b.cacheId() != Bitmap.NOT_CACHED;
            if (cacheable && cache.hit(b.cacheId())) {
                long cached = b.cacheId();
                return w -> w.u64(cached).u8(IMAGE_FROM_CACHE).u8(0).u32(b.width()).u32(b.height());
            }
            ImageEncoder.Encoded e = coding.encoder().encode(b, coding.serverSetting(), coding.memory(),
                    lossyAllowed && !coding.lossless());
            if (cacheable && (e == null || !e.lossy()) && cache.add(b.cacheId(), (long) b.width() * b.height())) {
                id = b.cacheId();
                flags = IMAGE_CACHE_ME;
            }
            if (e != null) {
                long imageId = id;
                int imageFlags = flags;
                return w -> {
                    w.u64(imageId).u8(e.type()).u8(imageFlags).u32(b.width()).u32(b.height());
                    w.bytes(ByteBuffer.wrap(e.fields()));
                    w.u32((int) e.payload().byteSize());
                    w.external(e.payload());
                };
            }
        }
        long imageId = id;
        int imageFlags = flags;
        return w -> {
            w.u64(imageId).u8(image instanceof Bitmap ? IMAGE_BITMAP : IMAGE_SURFACE).u8(imageFlags)
                    .u32(image.width()).u32(image.height());
            switch (image) {
                case Bitmap b -> {
                    // BitmapData: u8 format, u8 flags, u32 x, u32 y, u32 stride, u32 palette offset, pixels.
                    w.u8(b.alpha() ? BITMAP_FMT_RGBA : BITMAP_FMT_32BIT).u8(BITMAP_TOP_DOWN).u32(b.width())
                            .u32(b.height()).u32(4 * b.width()).u32(0);
                    w.external(b.pixels());
                }
                case SurfaceImage s -> w.u32(s.surfaceId());
            }
        };
    }

    /** A mask as the client's canvas reads masks: a 1-bit, MSB-first, top-down bitmap; set where non-zero. */
    private static Consumer<WireWriter> maskImage(Image image) {
        if (!(image instanceof Bitmap b)) {
            return image(image, null);
        }
        return w -> {
            int rowBytes = (b.width() + 7) / 8;
            w.u64(0).u8(IMAGE_BITMAP).u8(0).u32(b.width()).u32(b.height());
            w.u8(BITMAP_FMT_1BIT_BE).u8(BITMAP_TOP_DOWN).u32(b.width()).u32(b.height()).u32(rowBytes).u32(0);
            byte[] row = new byte[rowBytes];
            for (int y = 0; y < b.height(); y++) {
                java.util.Arrays.fill(row, (byte) 0);
                for (int x = 0; x < b.width(); x++) {
                    if ((b.pixel(x, y) & 0xFFFFFF) != 0) {
                        row[x >> 3] |= (byte) (0x80 >> (x & 7));
                    }
                }
                w.bytes(ByteBuffer.wrap(row));
            }
        };
    }
}
