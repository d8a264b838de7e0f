package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The body of an LZ or GLZ image: literal runs and back references over one plane of 32-bit pixels, as
 * spice-common's LZ decoder and spice-gtk's GLZ decoder read them. Greedy matching through a hash of three pixels
 * (GLZ's, inside stretches of literals, also of two), plus runs (distance 1); GLZ also copies from earlier images of
 * the client's window (see {@link #encode(MemorySegment, int, Plane, Format, GlzWindow.Images, long, ByteSink)}).
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
    /** Literals in a row after which the encoder looks for the next match in its tight scan. */
    private static final int SCAN_AFTER = 4;
    /** Hash table sizes: an image gets a table its size (up to 2^15); a GLZ window's spans images (2^16). */
    private static final int MAX_IMAGE_HASH_BITS = 15;
    static final int WINDOW_HASH_BITS = 16;

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
        encode(pixels, count, plane, format, null, 0, out);
    }

    private static int hash(int a, int b, int c, int bits) {
        return ((a * 0x9E3779B1) ^ (b * 0x85EBCA6B) ^ (c * 0xC2B2AE35)) >>> (32 - bits);
    }

    private static int pairHash(int a, int b, int bits) {
        return ((a * 0x85EBCA6B) ^ (b * 0x9E3779B1)) >>> (32 - bits);
    }

    /** Pixels a GLZ window entry hashes: long enough to tell a scrolled line from any run of the same colours. */
    static final int WINDOW_KEY = 6;
    /**
     * Window positions hashed: every 8th pixel of a kept image (a match is then found at most 7 pixels late). Every
     * 4th cost a full-HD desktop frame 0.97 ms more in JMH (glzWindow) for no fewer bytes in scripts/bench-display.
     */
    static final int WINDOW_STEP = 8;
    /** A match this long in the image itself is not worth a look into the window. */
    private static final int GOOD_ENOUGH = 32;

    /** The RGB bytes of two neighbouring pixels read as one long. */
    private static final long RGB_PAIR = 0x00FFFFFF_00FFFFFFL;

    /**
     * The window hash of the RGB of pixels {@code at} to {@code at + WINDOW_KEY} (all inside), read as three pixel
     * pairs: every kept image is hashed at every {@link #WINDOW_STEP}th pixel, so this is on the hot path. -1 for six
     * pixels of one colour: a run finds those, and on desktops they are most of an image, whose entries would all
     * land in one slot.
     */
    static int windowHash(MemorySegment pixels, int at) {
        long offset = 4L * at;
        long a = pixels.get(ValueLayout.JAVA_LONG_UNALIGNED, offset) & RGB_PAIR;
        long b = pixels.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + 8) & RGB_PAIR;
        long c = pixels.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + 16) & RGB_PAIR;
        if (a == b && b == c && (a >>> 32) == (a & 0xFFFFFF)) {
            return -1;
        }
        long h = ((a * 0x9E3779B97F4A7C15L + b) * 0xC2B2AE3D27D4EB4FL + c) * 0x165667B19E3779F9L;
        return (int) (h >>> (64 - WINDOW_HASH_BITS));
    }

    /** Pixels compared two at a time before a match is long enough to hand to the vectorized mismatch. */
    private static final int SHORT_MATCH = 16;

    /** How many pixels from {@code a[ai]} and {@code b[bi]} on are equal, within both images. */
    private static int extend(MemorySegment a, int ai, int aCount, MemorySegment b, int bi, int bCount, Plane plane) {
        int limit = Math.min(aCount - ai, bCount - bi);
        int n = 0;
        if (plane == Plane.RGB) { // two pixels a step while both pairs agree
            long ao = 4L * ai;
            long bo = 4L * bi;
            int shortLimit = Math.min(limit, SHORT_MATCH);
            while (n + 2 <= shortLimit && ((a.get(ValueLayout.JAVA_LONG_UNALIGNED, ao + 4L * n)
                    ^ b.get(ValueLayout.JAVA_LONG_UNALIGNED, bo + 4L * n)) & RGB_PAIR) == 0) {
                n += 2;
            }
            if (n == shortLimit) {
                n = longMatch(a, ao, b, bo, n, limit);
            }
        }
        while (n < limit && key(a, ai + n, plane) == key(b, bi + n, plane)) {
            n++;
        }
        return n;
    }

    /**
     * Extends an RGB match of {@code n} pixels with MemorySegment.mismatch, which compares many bytes a step; a
     * difference in the unused fourth byte only is stepped over. Returns where the pixels may first differ.
     */
    private static int longMatch(MemorySegment a, long ao, MemorySegment b, long bo, int n, int limit) {
        while (n < limit) {
            long m = MemorySegment.mismatch(a, ao + 4L * n, ao + 4L * limit, b, bo + 4L * n, bo + 4L * limit);
            if (m < 0) {
                return limit;
            }
            n += (int) (m / 4);
            if (((a.get(ValueLayout.JAVA_INT_UNALIGNED, ao + 4L * n)
                    ^ b.get(ValueLayout.JAVA_INT_UNALIGNED, bo + 4L * n)) & 0xFFFFFF) != 0) {
                return n;
            }
            n++;
        }
        return n;
    }

    /**
     * Encodes image {@code imageId}. With a {@code window} (GLZ, RGB plane), matches may also copy from the earlier
     * images it keeps; the longest of a run, a match in this image and a match in the window is taken.
     */
    static void encode(MemorySegment pixels, int count, Plane plane, Format format, GlzWindow.Images window,
                       long imageId, ByteSink out) {
        int bits = Math.clamp(32 - Integer.numberOfLeadingZeros(count), 8, MAX_IMAGE_HASH_BITS);
        int[] table = new int[1 << bits]; // position + 1 of the last place each 3-pixel hash was seen
        // GLZ also hashes pixel pairs inside stretches of literals: on photo-like images most repeats are two pixels
        // long, and a three-pixel hash rarely finds them (3.8% fewer bytes on the harness's photo, where the
        // reference's GLZ sent 0.6% fewer than ours before). Not for LZ: there, at the reference's bytes already,
        // it doubled the time.
        int[] pairs = format == Format.GLZ && plane == Plane.RGB ? new int[1 << bits] : null;
        int literalStart = 0;
        int maxDistance = format.maxDistance;
        // The earlier image of the last match found through the window hash, and its shift from here.
        MemorySegment repeated = null;
        long repeatedId = 0;
        int repeatedCount = 0;
        int repeatedShift = 0;
        // The keys of pixels i - 1 to i + 2 (0 past either end), slid along after a literal, read again after a match.
        int before = 0;
        int here = 0;
        int next = 0;
        int afterNext = 0;
        int keysAt = -1;
        int literalsInARow = 0; // literals decided since the last match
        int i = 0;
        while (i < count) {
            int ref = -1;
            int length = 0;
            MemorySegment source = pixels; // where the chosen match copies from: this image or an earlier one
            long sourceId = imageId;
            if (keysAt != i) {
                before = i > 0 ? key(pixels, i - 1, plane) : 0;
                here = key(pixels, i, plane);
                next = i + 1 < count ? key(pixels, i + 1, plane) : 0;
                afterNext = i + 2 < count ? key(pixels, i + 2, plane) : 0;
                keysAt = i;
            }
            if (window == null && literalsInARow >= SCAN_AFTER) {
                // In a stretch of literals (photo-like images), the pixels that start neither a run nor a match
                // whose first pixel agrees are literals too: skipped by a loop of its own. Not at once: on text and
                // desktops a match mostly follows within a few pixels, and entering the scan there cost more than it
                // saved.
                int from = i;
                i = scan(pixels, i, count - 2, plane, table, pairs, bits, maxDistance, before, here, next);
                if (i != from) {
                    before = key(pixels, i - 1, plane);
                    here = key(pixels, i, plane);
                    next = i + 1 < count ? key(pixels, i + 1, plane) : 0;
                    afterNext = i + 2 < count ? key(pixels, i + 2, plane) : 0;
                    keysAt = i;
                }
            }
            if (i > 0 && before == here) {
                ref = i - 1; // a run: distance 1; most end at once on photo-like images, without a call
                length = next != here ? 1 : extend(pixels, ref, count, pixels, i, count, plane);
            }
            if (i + 2 < count) {
                int h = hash(here, next, afterNext, bits);
                int candidate = table[h] - 1;
                table[h] = i + 1;
                // The first pixel tested here: on photo-like images most candidates differ at once, and extend is
                // too big a method for the JIT to inline.
                if (candidate >= 0 && i - candidate <= maxDistance && key(pixels, candidate, plane) == here) {
                    int n = key(pixels, candidate + 1, plane) != next ? 1
                            : extend(pixels, candidate, count, pixels, i, count, plane);
                    if (n > length) {
                        ref = candidate;
                        length = n;
                    }
                }
            }
            if (pairs != null && literalsInARow >= SCAN_AFTER && i + 1 < count) {
                int p = pairHash(here, next, bits);
                int pair = pairs[p] - 1;
                pairs[p] = i + 1;
                if (length < 2 && pair >= 0 && i - pair <= maxDistance && key(pixels, pair, plane) == here
                        && key(pixels, pair + 1, plane) == next) {
                    ref = pair;
                    length = extend(pixels, pair, count, pixels, i, count, plane);
                }
            }
            if (window != null && length < GOOD_ENOUGH && repeated != null) {
                // Where the last match into the window came from, moved along: a scrolled or moved area repeats
                // it pixel after pixel, also where its pixels hash like a thousand others (a blank line).
                long at = (long) i + repeatedShift;
                if (at >= 0 && at < repeatedCount && key(repeated, (int) at, plane) == here) {
                    int n = extend(repeated, (int) at, repeatedCount, pixels, i, count, plane);
                    if (n > length) {
                        ref = (int) at;
                        length = n;
                        source = repeated;
                        sourceId = repeatedId;
                    }
                }
            }
            if (window != null && length < GOOD_ENOUGH && i + WINDOW_KEY <= count) {
                int windowHash = windowHash(pixels, i);
                long seen = windowHash < 0 ? 0 : window.find(windowHash);
                MemorySegment earlier = seen == 0 ? null : window.pixels(seen >>> 32);
                int at = (int) seen - 1;
                int earlierCount = earlier == null ? 0 : (int) (earlier.byteSize() / 4);
                if (at >= 0 && at < earlierCount && key(earlier, at, plane) == here) {
                    int n = extend(earlier, at, earlierCount, pixels, i, count, plane);
                    if (n > length) {
                        ref = at;
                        length = n;
                        source = earlier;
                        sourceId = seen >>> 32;
                        repeated = earlier;
                        repeatedId = sourceId;
                        repeatedCount = earlierCount;
                        repeatedShift = at - i;
                    }
                }
            }
            int lengthField = length - plane.minMatch + 1;
            long imageDistance = imageId - sourceId;
            // A match must save a byte: one that costs what its literals cost also splits their run, and the
            // literals after it need a control byte of their own (GLZ's one-pixel matches: 0.4% more on photos).
            if (ref < 0 || length < plane.minMatch || length * plane.literalBytes <= (imageDistance == 0
                    ? matchBytes(lengthField, i - ref - 1, format) : farMatchBytes(lengthField, ref, imageDistance))) {
                literalsInARow++;
                i++;
                before = here;
                here = next;
                next = afterNext;
                afterNext = i + 2 < count ? key(pixels, i + 2, plane) : 0;
                keysAt = i;
                continue;
            }
            literals(pixels, literalStart, i, plane, out);
            if (imageDistance == 0) {
                match(lengthField, i - ref - 1, format, out);
            } else {
                farMatch(lengthField, ref, (int) imageDistance, out);
            }
            i += length;
            literalStart = i;
            literalsInARow = 0;
        }
        literals(pixels, literalStart, count, plane, out);
    }

    /**
     * From literal {@code i} (not the first pixel, with the keys of {@code i - 1} to {@code i + 1}), the first pixel
     * up to {@code end} that starts a run or whose hash candidates agree in their first pixel (both in a pair, for
     * {@code pairs}): the full path decides there. The pixels skipped are literals and entered in the tables. A
     * method of its own: inside encode, the same loop made LZ and GLZ 18% slower on the harness's photo frame, and
     * LZ 5-9% on its text and desktop frames (GLZ there the same).
     */
    private static int scan(MemorySegment pixels, int i, int end, Plane plane, int[] table, int[] pairs, int bits,
                            int maxDistance, int before, int here, int next) {
        while (i < end && before != here) {
            int afterNext = key(pixels, i + 2, plane);
            int h = hash(here, next, afterNext, bits);
            int candidate = table[h] - 1;
            if (candidate >= 0 && i - candidate <= maxDistance && key(pixels, candidate, plane) == here) {
                break; // the full path looks at it (and updates the tables)
            }
            if (pairs != null) {
                int p = pairHash(here, next, bits);
                int pair = pairs[p] - 1;
                if (pair >= 0 && i - pair <= maxDistance && key(pixels, pair, plane) == here
                        && key(pixels, pair + 1, plane) == next) {
                    break;
                }
                pairs[p] = i + 1;
            }
            table[h] = i + 1;
            i++;
            before = here;
            here = next;
            next = afterNext;
        }
        return i;
    }

    private static void literals(MemorySegment pixels, int from, int to, Plane plane, ByteSink out) {
        while (from < to) {
            int run = Math.min(MAX_LITERAL_RUN, to - from);
            out.u8(run - 1);
            if (plane == Plane.RGB) {
                out.bgr(pixels, from, run);
            } else {
                for (int k = from; k < from + run; k++) {
                    out.u8(pixels.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * k) >>> 24);
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

    /** Image-distance bytes after the control byte's code, short pixel offsets (6 bits in the code byte). */
    private static int shortDistanceBytes(long imageDistance) {
        return imageDistance < 1 << 6 ? 0 : imageDistance < 1 << 14 ? 1 : imageDistance < 1 << 22 ? 2 : 3;
    }

    /** Image-distance bytes for long pixel offsets (none in the code byte). */
    private static int longDistanceBytes(long imageDistance) {
        return imageDistance < 1 << 8 ? 1 : imageDistance < 1 << 16 ? 2 : 3;
    }

    /** What {@link #farMatch} writes. */
    private static int farMatchBytes(int lengthField, int pixel, long imageDistance) {
        int extension = extensionBytes(lengthField);
        if (pixel < 4096) {
            return 3 + extension + shortDistanceBytes(imageDistance);
        }
        return 3 + extension + longDistanceBytes(imageDistance) + (pixel >= 1 << 17 ? 1 : 0);
    }

    /**
     * A GLZ reference to pixel {@code pixel} (absolute, not biased) of the image {@code imageDistance} ids back.
     * Short offsets carry 6 distance bits in the code byte and up to three more bytes; long offsets carry 5 more
     * offset bits there, then the distance bytes (little-endian), then the widest offset byte.
     */
    private static void farMatch(int lengthField, int pixel, int imageDistance, ByteSink out) {
        boolean longOffset = pixel >= 4096;
        out.u8(Math.min(lengthField, 7) << 5 | (longOffset ? 0x10 : 0) | (pixel & 0xF));
        lengthExtension(lengthField, out);
        out.u8(pixel >>> 4);
        if (!longOffset) {
            int extra = shortDistanceBytes(imageDistance);
            out.u8(extra << 6 | (imageDistance & 0x3F));
            for (int k = 0; k < extra; k++) {
                out.u8(imageDistance >>> (6 + 8 * k));
            }
            return;
        }
        int extra = longDistanceBytes(imageDistance);
        boolean widest = pixel >= 1 << 17;
        out.u8(extra << 6 | (widest ? 0x20 : 0) | (pixel >>> 12 & 0x1F));
        for (int k = 0; k < extra; k++) {
            out.u8(imageDistance >>> (8 * k));
        }
        if (widest) {
            out.u8(pixel >>> 17);
        }
    }

    /** What {@link #match} writes for these arguments. */
    private static int matchBytes(int lengthField, int offset, Format format) {
        int extension = extensionBytes(lengthField);
        if (format == Format.LZ) {
            return 1 + extension + (offset > 8190 ? 3 : 1);
        }
        return 1 + extension + 2 + (offset >= 1 << 17 ? 1 : 0);
    }

    /** Bytes {@link #lengthExtension} writes after the control byte. */
    private static int extensionBytes(int lengthField) {
        return lengthField < 7 ? 0 : (lengthField - 7) / 255 + 1;
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
