package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The body of an LZ or GLZ image: literal runs and back references over one plane of 32-bit pixels, as
 * spice-common's LZ decoder and spice-gtk's GLZ decoder read them. Greedy matching through a hash of three pixels,
 * plus runs (distance 1). GLZ references stay inside the current image, which the format allows.
 *
 * <p>Grammar (both formats): a control byte below 32 starts a run of ctrl + 1 literals; otherwise its top three
 * bits L (1..7, 7 followed by 255-extended bytes) give the match length and the rest starts the distance. LZ
 * distances: 13 bits near, or 13 bits all ones then 16 more bits (far). GLZ distances: 4 bits in the control byte,
 * 8 in the next, then an image-distance byte that may carry 5 or 13 more pixel-offset bits.
 */
final class LzStream {
    /** Which decoder reads the stream. */
    enum Format {
        LZ(8191 + 65535 + 1),
        GLZ(1 << 25);

        /** Largest distance back, in pixels. */
        final int maxDistance;

        Format(int maxDistance) {
            this.maxDistance = maxDistance;
        }
    }

    /** Which bytes of each pixel the stream carries. */
    enum Plane {
        /** B, G, R (the pad or alpha byte is not sent); matches of one pixel are allowed. */
        RGB(3, 1),
        /** The alpha byte alone (the second stream of an RGBA image); matches start at three. */
        ALPHA(1, 3);

        final int literalBytes;
        final int minMatch;

        Plane(int literalBytes, int minMatch) {
            this.literalBytes = literalBytes;
            this.minMatch = minMatch;
        }
    }

    private static final int MAX_LITERAL_RUN = 32;
    private static final int HASH_BITS = 14;

    private LzStream() {
    }

    /**
     * The most a stream of {@code pixels} pixels can take: each pixel is a literal with at worst a control byte of
     * its own (a run of one between matches), and a match is only taken when it costs no more than its literals.
     */
    static long worstCase(long pixels, Plane plane) {
        return pixels * (plane.literalBytes + 1);
    }

    private static int key(MemorySegment pixels, int i, Plane plane) {
        int p = pixels.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * i);
        return plane == Plane.RGB ? p & 0xFFFFFF : p >>> 24;
    }

    /** Encodes the first {@code count} pixels of {@code pixels} (top-down, 0xAARRGGBB little-endian). */
    static void encode(MemorySegment pixels, int count, Plane plane, Format format, ByteSink out) {
        int[] table = new int[1 << HASH_BITS]; // position + 1 of the last place each 3-pixel hash was seen
        int literalStart = 0;
        int i = 0;
        while (i < count) {
            int ref = -1;
            int here = key(pixels, i, plane);
            if (i > 0 && key(pixels, i - 1, plane) == here) {
                ref = i - 1; // a run: distance 1
            }
            if (i + 2 < count) {
                int next = key(pixels, i + 1, plane);
                int third = key(pixels, i + 2, plane);
                int h = ((here * 0x9E3779B1) ^ (next * 0x85EBCA6B) ^ (third * 0xC2B2AE35)) >>> (32 - HASH_BITS);
                int candidate = table[h] - 1;
                table[h] = i + 1;
                if (ref < 0 && candidate >= 0 && i - candidate <= format.maxDistance
                        && key(pixels, candidate, plane) == here && key(pixels, candidate + 1, plane) == next
                        && key(pixels, candidate + 2, plane) == third) {
                    ref = candidate;
                }
            }
            if (ref < 0) {
                i++;
                continue;
            }
            int length = 1;
            while (i + length < count && key(pixels, ref + length, plane) == key(pixels, i + length, plane)) {
                length++;
            }
            if (length < plane.minMatch
                    || matchBytes(length - plane.minMatch + 1, i - ref - 1, format) > length * plane.literalBytes) {
                i++;
                continue;
            }
            literals(pixels, literalStart, i, plane, out);
            match(length - plane.minMatch + 1, i - ref - 1, format, out);
            i += length;
            literalStart = i;
        }
        literals(pixels, literalStart, count, plane, out);
    }

    private static void literals(MemorySegment pixels, int from, int to, Plane plane, ByteSink out) {
        while (from < to) {
            int run = Math.min(MAX_LITERAL_RUN, to - from);
            out.u8(run - 1);
            for (int k = from; k < from + run; k++) {
                int p = pixels.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * k);
                if (plane == Plane.RGB) {
                    out.u8(p); // B
                    out.u8(p >>> 8); // G
                    out.u8(p >>> 16); // R
                } else {
                    out.u8(p >>> 24);
                }
            }
            from += run;
        }
    }

    /** A back reference: {@code lengthField} >= 1 (the length less the plane's bias), {@code offset} = distance - 1. */
    private static void match(int lengthField, int offset, Format format, ByteSink out) {
        int l = Math.min(lengthField, 7);
        if (format == Format.LZ) {
            boolean far = offset > 8190;
            out.u8(l << 5 | (far ? 31 : offset >>> 8));
            lengthExtension(lengthField, out);
            if (far) {
                int e = offset - 8191;
                out.u8(0xFF);
                out.u8(e >>> 8);
                out.u8(e);
            } else {
                out.u8(offset);
            }
            return;
        }
        boolean longOffset = offset >= 4096;
        out.u8(l << 5 | (longOffset ? 0x10 : 0) | (offset & 0xF));
        lengthExtension(lengthField, out);
        out.u8(offset >>> 4);
        if (!longOffset) {
            out.u8(0); // image distance 0, no extra bytes: the current image
        } else {
            boolean widest = offset >= 1 << 17;
            out.u8((widest ? 0x20 : 0) | (offset >>> 12 & 0x1F)); // no image-distance bytes
            if (widest) {
                out.u8(offset >>> 17);
            }
        }
    }

    /** What {@link #match} writes for these arguments. */
    private static int matchBytes(int lengthField, int offset, Format format) {
        int extension = lengthField < 7 ? 0 : (lengthField - 7) / 255 + 1;
        if (format == Format.LZ) {
            return 1 + extension + (offset > 8190 ? 3 : 1);
        }
        return 1 + extension + 2 + (offset >= 1 << 17 ? 1 : 0);
    }

    private static void lengthExtension(int lengthField, ByteSink out) {
        if (lengthField < 7) {
            return;
        }
        int rest = lengthField - 7;
        while (rest >= 255) {
            out.u8(255);
            rest -= 255;
        }
        out.u8(rest);
    }
}
