package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.spicejava.core.compress.JpegEncoder;
import org.spicejava.core.compress.JpegImage;
import org.spicejava.core.display.draw.Bitmap;

/**
 * The libturbojpeg binding: what it encodes decodes (through the library's own decompressor) to a close picture of
 * a plausible size, from native and heap pixels, and the cost figures the handle-lifetime choice rests on.
 */
class TurboJpegTest {
    private static final SymbolLookup LIB = TurboJpeg.library();
    private static final MethodHandle INIT_DECOMPRESS = bind("tjInitDecompress",
            FunctionDescriptor.of(ValueLayout.ADDRESS));
    // int tjDecompressHeader3(tjhandle, const unsigned char *, unsigned long, int *w, int *h, int *subsamp, int *cs)
    private static final MethodHandle HEADER = bind("tjDecompressHeader3", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    // int tjDecompress2(tjhandle, const unsigned char *, unsigned long, unsigned char *dst, int width, int pitch,
    //                   int height, int pixelFormat, int flags)
    private static final MethodHandle DECOMPRESS = bind("tjDecompress2", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle DESTROY = bind("tjDestroy",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle INIT_COMPRESS = bind("tjInitCompress", FunctionDescriptor.of(ValueLayout.ADDRESS));

    private static MethodHandle bind(String name, FunctionDescriptor d) {
        return Native.LINKER.downcallHandle(LIB.find(name).orElseThrow(), d);
    }

    /** Smooth gradients and shapes with sensor-like noise: what the reference would send as JPEG. */
    static Bitmap photo(Arena arena, int width, int height, boolean alpha) {
        MemorySegment px = arena.allocate(4L * width * height, 64);
        Random random = new Random(5);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double dx = x - width * 0.6;
                double dy = y - height * 0.4;
                int r = clamp(128 + 100 * Math.sin(x / 37.0) * Math.cos(y / 53.0) + random.nextGaussian() * 3);
                int g = clamp(255 * y / (double) height + random.nextGaussian() * 3);
                int b = clamp(dx * dx + dy * dy < 90 * 90 ? 230 + random.nextGaussian() * 3 : 60 + x % 40);
                int a = alpha ? clamp(255.0 * x / width) : 0xFF;
                px.setAtIndex(ValueLayout.JAVA_INT, (long) y * width + x, a << 24 | r << 16 | g << 8 | b);
            }
        }
        return new Bitmap(width, height, px, alpha);
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** Decodes {@code jpeg} to BGRX pixels (0xXXRRGGBB ints) with the library's decompressor. */
    static int[] decode(MemorySegment jpeg, int width, int height) throws Throwable {
        MemorySegment handle = (MemorySegment) INIT_DECOMPRESS.invokeExact();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(jpeg.byteSize()).copyFrom(jpeg);
            MemorySegment w = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment h = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment sub = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment cs = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, (int) HEADER.invokeExact(handle, in, jpeg.byteSize(), w, h, sub, cs));
            assertEquals(width, w.get(ValueLayout.JAVA_INT, 0));
            assertEquals(height, h.get(ValueLayout.JAVA_INT, 0));
            assertEquals(TurboJpeg.SUBSAMPLING_420, sub.get(ValueLayout.JAVA_INT, 0), "4:2:0, as libjpeg's defaults");
            MemorySegment out = arena.allocate(4L * width * height);
            assertEquals(0, (int) DECOMPRESS.invokeExact(handle, in, jpeg.byteSize(), out, width, 4 * width, height,
                    TurboJpeg.PIXEL_FORMAT_BGRX, 0));
            return out.toArray(ValueLayout.JAVA_INT);
        } finally {
            int ignored = (int) DESTROY.invokeExact(handle);
        }
    }

    /** PSNR of the colour channels, in dB. */
    static double psnr(int[] a, int[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            for (int shift = 0; shift < 24; shift += 8) {
                int d = (a[i] >> shift & 0xFF) - (b[i] >> shift & 0xFF);
                sum += d * d;
            }
        }
        double mse = sum / (3.0 * a.length);
        return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
    }

    @Test
    void aPhotoDecodesCloseToTheOriginalAndSmall() throws Throwable {
        try (Arena arena = Arena.ofConfined(); JpegEncoder encoder = TurboJpeg.codec().open()) {
            assertNotNull(encoder, "libturbojpeg0 is installed here (scripts/setup)");
            Bitmap b = photo(arena, 640, 480, false);
            MemorySegment jpeg = encoder.encode(b, JpegImage.QUALITY, arena);
            assertNotNull(jpeg);
            assertEquals(0xFFD8, Short.toUnsignedInt(jpeg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(
                    java.nio.ByteOrder.BIG_ENDIAN), 0)), "SOI marker");
            long raw = 4L * b.width() * b.height();
            assertTrue(jpeg.byteSize() * 6 < raw, "a photo at quality 85 is far smaller than raw: "
                    + jpeg.byteSize() + " of " + raw);
            assertTrue(jpeg.byteSize() <= encoder.maxSize(b.width(), b.height()));
            double db = psnr(b.toArray(), decode(jpeg, b.width(), b.height()));
            assertTrue(db >= 30, "PSNR " + db + " dB");
            System.out.printf(Locale.ROOT, "TurboJpegTest: 640x480 photo -> %d bytes (%.1f%% of raw), PSNR %.1f dB%n",
                    jpeg.byteSize(), 100.0 * jpeg.byteSize() / raw, db);
        }
    }

    @Test
    void heapPixelsAndHeapOutputAreStaged() throws Throwable {
        try (Arena arena = Arena.ofConfined(); JpegEncoder encoder = TurboJpeg.codec().open()) {
            Bitmap nativeImage = photo(arena, 64, 48, true);
            Bitmap heapImage = Bitmap.of(64, 48, nativeImage.toArray(), true);
            MemorySegment fromNative = encoder.encode(nativeImage, 85, arena);
            byte[] heapOut = new byte[(int) encoder.maxSize(64, 48)];
            long size = encoder.encode(heapImage, 85, MemorySegment.ofArray(heapOut));
            assertEquals(fromNative.byteSize(), size);
            assertEquals(-1, fromNative.mismatch(MemorySegment.ofArray(heapOut).asSlice(0, size)),
                    "the same pixels give the same JPEG; the alpha byte is ignored");
            assertTrue(psnr(nativeImage.toArray(), decode(fromNative, 64, 48)) >= 30);
        }
    }

    @Test
    void aMissingLibraryMeansNoEncoder() {
        TurboJpeg missing = new TurboJpeg("libturbojpeg-not-here.so.0");
        assertNull(missing.open(), "no JPEG, no exception");
        assertNull(missing.open(), "and it is not tried again");
    }

    @Test
    void refusesWhatTheLibraryCannotTake() {
        try (Arena arena = Arena.ofConfined(); JpegEncoder encoder = TurboJpeg.codec().open()) {
            assertEquals(-1, encoder.maxSize(70000, 1));
            Bitmap b = photo(arena, 16, 16, false);
            assertEquals(-1, encoder.encode(b, 85, arena.allocate(10)), "an output buffer below tjBufSize");
        }
    }

    /**
     * The figures behind one handle per worker: encode throughput on full-HD and small images, and what a handle per
     * call (tjInitCompress + tjDestroy) would add. Printed, loosely bounded (2 shared cores).
     */
    @Test
    void encodeThroughputAndHandleCost() throws Throwable {
        try (Arena arena = Arena.ofConfined(); JpegEncoder encoder = TurboJpeg.codec().open()) {
            Bitmap frame = photo(arena, 1920, 1080, false);
            Bitmap icon = photo(arena, 48, 48, false);
            MemorySegment out = arena.allocate(encoder.maxSize(1920, 1080));
            for (int i = 0; i < 5; i++) {
                encoder.encode(frame, 85, out);
            }
            int frames = 10;
            long t0 = System.nanoTime();
            for (int i = 0; i < frames; i++) {
                assertTrue(encoder.encode(frame, 85, out) > 0);
            }
            double frameMs = (System.nanoTime() - t0) / 1e6 / frames;
            double mbPerSecond = 4.0 * 1920 * 1080 / 1e6 / (frameMs / 1000);
            int icons = 2000;
            for (int i = 0; i < icons; i++) {
                encoder.encode(icon, 85, out);
            }
            t0 = System.nanoTime();
            for (int i = 0; i < icons; i++) {
                encoder.encode(icon, 85, out);
            }
            double iconUs = (System.nanoTime() - t0) / 1e3 / icons;
            for (int i = 0; i < icons; i++) {
                int ignored = (int) DESTROY.invokeExact((MemorySegment) INIT_COMPRESS.invokeExact());
            }
            t0 = System.nanoTime();
            for (int i = 0; i < icons; i++) {
                int ignored = (int) DESTROY.invokeExact((MemorySegment) INIT_COMPRESS.invokeExact());
            }
            double handleUs = (System.nanoTime() - t0) / 1e3 / icons;
            TurboJpeg codec = TurboJpeg.codec();
            for (int i = 0; i < icons; i++) {
                try (JpegEncoder once = codec.open()) {
                    once.encode(icon, 85, out);
                }
            }
            t0 = System.nanoTime();
            for (int i = 0; i < icons; i++) {
                try (JpegEncoder once = codec.open()) {
                    once.encode(icon, 85, out);
                }
            }
            double perCallUs = (System.nanoTime() - t0) / 1e3 / icons;
            System.out.printf(Locale.ROOT, "TurboJpegTest: full-HD photo %.1f ms/frame (%.0f MB/s of 32-bit pixels); "
                    + "48x48 image %.1f us with the worker's handle, %.1f us with a handle of its own "
                    + "(tjInitCompress+tjDestroy alone %.1f us)%n", frameMs, mbPerSecond, iconUs, perCallUs, handleUs);
            assertTrue(mbPerSecond > 10, "JPEG encoding at " + mbPerSecond + " MB/s");
        }
    }
}
