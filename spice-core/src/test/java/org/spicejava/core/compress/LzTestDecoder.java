package org.spicejava.core.compress;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * A strict decoder of our LZ_RGB and GLZ_RGB payloads, written from the decoders' grammar for the tests: it
 * refuses what would make spice-gtk's decoder assert or wait for ever (a reference before the first pixel or past
 * the last, bytes left over, a GLZ reference to an image the client would not have, or past its end). Returns
 * 0xAARRGGBB pixels.
 */
public final class LzTestDecoder {
    private final ByteBuffer in;
    private final boolean glz;
    private final Map<Long, int[]> window;
    private long id;
    private boolean alphaOnly;

    private LzTestDecoder(byte[] data, boolean glz, Map<Long, int[]> window) {
        this.in = ByteBuffer.wrap(data); // big-endian header fields
        this.glz = glz;
        this.window = window;
    }

    public record Decoded(int width, int height, long imageId, long headDistance, int[] pixels) {
    }

    public static Decoded lz(byte[] data) {
        return new LzTestDecoder(data, false, Map.of()).decode();
    }

    /**
     * An LZ image of type XXXA (JPEG_ALPHA's alpha plane): the pixels carry the decoded alpha in their top byte
     * and zero elsewhere.
     */
    public static Decoded alphaPlane(byte[] data) {
        LzTestDecoder d = new LzTestDecoder(data, false, Map.of());
        d.alphaOnly = true;
        return d.decode();
    }

    /** A GLZ image that may reference no other image. */
    public static Decoded glz(byte[] data) {
        return new LzTestDecoder(data, true, Map.of()).decode();
    }

    /**
     * A GLZ image decoded as the client's window does: it may reference the images in {@code window} (by id);
     * afterwards it is added there and the images before its window head are dropped.
     */
    public static Decoded glz(byte[] data, Map<Long, int[]> window) {
        Decoded d = new LzTestDecoder(data, true, window).decode();
        window.put(d.imageId(), d.pixels());
        window.keySet().removeIf(k -> k < d.imageId() - d.headDistance());
        return d;
    }

    private Decoded decode() {
        check(in.getInt() == LzImage.MAGIC, "magic");
        check(in.getInt() == LzImage.VERSION, "version");
        int type;
        boolean topDown;
        if (glz) {
            int t = in.get() & 0xFF;
            type = t & 0xF;
            topDown = (t & 0x10) != 0;
        } else {
            type = in.getInt();
            topDown = false;
        }
        int width = in.getInt();
        int height = in.getInt();
        int stride = in.getInt();
        long headDistance = 0;
        if (glz) {
            id = in.getLong();
            headDistance = Integer.toUnsignedLong(in.getInt());
        } else {
            topDown = in.getInt() == 1;
        }
        check(topDown, "top-down");
        check(alphaOnly ? type == LzImage.TYPE_XXXA : type == LzImage.TYPE_RGB32 || type == LzImage.TYPE_RGBA,
                "type " + type);
        check(stride == 4 * width, "stride");
        int[] out = new int[width * height];
        if (type == LzImage.TYPE_XXXA) {
            stream(out, false);
        } else {
            stream(out, true);
        }
        if (type == LzImage.TYPE_RGBA) {
            stream(out, false);
        }
        check(!in.hasRemaining(), in.remaining() + " bytes after the last pixel");
        return new Decoded(width, height, id, headDistance, out);
    }

    private int u8() {
        return in.get() & 0xFF;
    }

    private void stream(int[] out, boolean rgb) {
        int op = 0;
        int bias = rgb ? 0 : 2; // the pixel count of a match is the length field plus this
        while (op < out.length) {
            int ctrl = u8();
            if (ctrl < 32) {
                int count = ctrl + 1;
                check(op + count <= out.length, "literal run past the end");
                for (int k = 0; k < count; k++, op++) {
                    if (rgb) {
                        int b = u8();
                        int g = u8();
                        int r = u8();
                        out[op] = r << 16 | g << 8 | b;
                    } else {
                        out[op] |= u8() << 24;
                    }
                }
                continue;
            }
            int length = ctrl >>> 5;
            if (length == 7) {
                int b;
                do {
                    b = u8();
                    length += b;
                } while (b == 255);
            }
            length += bias;
            int offset;
            long imageDistance = 0;
            if (glz) {
                offset = (ctrl & 0xF) | u8() << 4;
                int c = u8();
                int extra = c >> 6;
                if ((ctrl & 0x10) == 0) {
                    imageDistance = c & 0x3F;
                    for (int k = 0; k < extra; k++) {
                        imageDistance += (long) u8() << (6 + 8 * k);
                    }
                } else {
                    offset |= (c & 0x1F) << 12;
                    for (int k = 0; k < extra; k++) {
                        imageDistance += (long) u8() << (8 * k);
                    }
                    if ((c & 0x20) != 0) {
                        offset |= u8() << 17;
                    }
                }
                if (imageDistance != 0) {
                    check(rgb, "an alpha stream referencing another image");
                    int[] earlier = window.get(id - imageDistance);
                    check(earlier != null, "reference to image " + (id - imageDistance) + ", not in the window");
                    check(offset + length <= earlier.length, "reference past the end of image "
                            + (id - imageDistance));
                    check(op + length <= out.length, "match past the end");
                    for (int k = 0; k < length; k++, op++) {
                        out[op] = earlier[offset + k] & 0xFFFFFF;
                    }
                    continue;
                }
            } else {
                int hi = ctrl & 31;
                int lo = u8();
                offset = hi << 8 | lo;
                if (hi == 31 && lo == 255) {
                    offset = (u8() << 8 | u8()) + 8191;
                }
            }
            int ref = op - offset - 1;
            check(ref >= 0, "reference before the first pixel");
            check(op + length <= out.length, "match past the end");
            for (int k = 0; k < length; k++, op++, ref++) {
                if (rgb) {
                    out[op] = out[ref];
                } else {
                    out[op] = out[op] & 0xFFFFFF | out[ref] & 0xFF000000;
                }
            }
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("bad stream: " + what);
        }
    }
}
