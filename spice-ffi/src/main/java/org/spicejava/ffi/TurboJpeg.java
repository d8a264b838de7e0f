package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.compress.JpegEncoder;
import org.spicejava.core.display.draw.Bitmap;

/**
 * spice-core's JPEG codec bound to libturbojpeg (the TurboJPEG 2 API, functions only: Debian's libturbojpeg0
 * ships no headers). Each {@link Encoder} owns one compressor handle and is used by one display worker thread
 * (see {@link #codec} for why a handle lives as long as the worker rather than one call). Our bitmaps' 32-bit
 * little-endian 0xAARRGGBB pixels are bytes B, G, R, X in memory: TurboJPEG's BGRX, compressed as the reference's
 * libjpeg setup does it (4:2:0 chroma, the accurate integer DCT). The JPEG goes straight into the caller's buffer
 * (no reallocation by the library), sized by tjBufSize.
 */
public final class TurboJpeg implements JpegEncoder.Factory {
    private static final Logger LOG = LoggerFactory.getLogger(TurboJpeg.class);
    /** The soname of Debian's libturbojpeg0. */
    static final String LIBRARY = "libturbojpeg.so.0";
    /** TJPF_BGRX, TJSAMP_420, TJFLAG_NOREALLOC (turbojpeg.h). */
    static final int PIXEL_FORMAT_BGRX = 3;
    static final int SUBSAMPLING_420 = 2;
    static final int FLAG_NO_REALLOC = 1024;
    /** The largest side TurboJPEG accepts (JPEG_MAX_DIMENSION). */
    static final int MAX_SIDE = 65500;

    private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG; // unsigned long on LP64
    private static final TurboJpeg CODEC = new TurboJpeg(LIBRARY);

    private final String library;
    /** The library's functions once bound; null before, or for good after a failure (logged once). */
    private Bindings bindings;
    private boolean bindingFailed;

    /** The functions we call. */
    private record Bindings(MethodHandle initCompress, MethodHandle compress2, MethodHandle bufSize,
                            MethodHandle destroy, MethodHandle errorString) {
    }

    /** The codec of the library {@code library} (a soname or path); tests name a missing one. */
    TurboJpeg(String library) {
        this.library = library;
    }

    /**
     * The codec. Nothing is loaded yet: the library is bound when a display worker first opens an encoder, which
     * happens only when a client may get JPEG (binding takes 45-65 ms, too much for QEMU's start). If libturbojpeg
     * is missing or lacks a function, that first open logs one line and returns null: JPEG is then never offered
     * and everything else works.
     *
     * <p>Handle lifetime, measured (TurboJpegTest prints it): tjInitCompress plus tjDestroy alone take 0.3-1.5 us,
     * but the first compression on a fresh handle sets up the library's state, so a 48x48 image took 21-31 us with
     * a handle of its own against 14-16 us with a reused one. One handle per display worker, opened on its thread,
     * costs nothing per image.
     */
    public static TurboJpeg codec() {
        return CODEC;
    }

    /** The bound functions, or null when the library cannot be used (logged the first time). Any thread. */
    private synchronized Bindings bindings() {
        if (bindings == null && !bindingFailed) {
            try {
                SymbolLookup lib = SymbolLookup.libraryLookup(library, Arena.global());
                bindings = new Bindings(
                        Native.bind(lib, "tjInitCompress", FunctionDescriptor.of(ValueLayout.ADDRESS)),
                        // int tjCompress2(tjhandle, const unsigned char *src, int width, int pitch, int height,
                        //                 int pixelFormat, unsigned char **jpegBuf, unsigned long *jpegSize,
                        //                 int subsamp, int quality, int flags)
                        Native.bind(lib, "tjCompress2", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)),
                        // unsigned long tjBufSize(int width, int height, int jpegSubsamp)
                        Native.bind(lib, "tjBufSize", FunctionDescriptor.of(SIZE_T, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)),
                        Native.bind(lib, "tjDestroy", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS)),
                        Native.bind(lib, "tjGetErrorStr2",
                                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS)));
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                bindingFailed = true;
                LOG.info("JPEG not offered: {} could not be loaded ({})", library, e.getMessage());
            }
        }
        return bindings;
    }


    /** The library's symbols (tests bind the decompressor from the same lookup). */
    static SymbolLookup library() {
        return SymbolLookup.libraryLookup(LIBRARY, Arena.global());
    }

    /** A compressor for the calling thread, or null when libturbojpeg is not usable. */
    @Override
    public Encoder open() {
        Bindings tj = bindings();
        if (tj == null) {
            return null;
        }
        MemorySegment handle;
        try {
            handle = (MemorySegment) tj.initCompress().invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("tjInitCompress failed", t);
        }
        if (handle.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("tjInitCompress failed: " + error(tj, MemorySegment.NULL));
        }
        return new Encoder(tj, handle);
    }

    /** The library's last error message for {@code handle} (NULL: the last one of handle creation). */
    private static String error(Bindings tj, MemorySegment handle) {
        try {
            return Native.string((MemorySegment) tj.errorString().invokeExact(handle));
        } catch (Throwable t) {
            return "no error string: " + t;
        }
    }

    /** tjBufSize for 4:2:0, or -1 when the library refuses the size. */
    private static long bufSize(Bindings tj, int width, int height) {
        if (width <= 0 || height <= 0 || width > MAX_SIDE || height > MAX_SIDE) {
            return -1;
        }
        try {
            long size = (long) tj.bufSize().invokeExact(width, height, SUBSAMPLING_420);
            return size <= 0 || size > Integer.MAX_VALUE ? -1 : size; // (unsigned long) -1 on error
        } catch (Throwable t) {
            return -1;
        }
    }

    /**
     * One compressor handle and the two out-parameters tjCompress2 writes (kept in native memory of their own so a
     * call allocates nothing). Confined to the thread that uses it; not thread-safe.
     */
    public static final class Encoder implements JpegEncoder {
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment bufferPointer = arena.allocate(ValueLayout.ADDRESS);
        private final MemorySegment sizeCell = arena.allocate(SIZE_T);
        private final Bindings tj;
        private MemorySegment handle;

        private Encoder(Bindings tj, MemorySegment handle) {
            this.tj = tj;
            this.handle = handle;
        }

        @Override
        public long maxSize(int width, int height) {
            return bufSize(tj, width, height);
        }

        @Override
        public long encode(Bitmap b, int quality, MemorySegment dest) {
            if (handle == null) {
                throw new IllegalStateException("JPEG encoder closed");
            }
            long room = bufSize(tj, b.width(), b.height());
            if (room < 0 || dest.byteSize() < room) {
                return -1;
            }
            MemorySegment src = b.pixels();
            if (src.isNative() && dest.isNative()) {
                return compress(b, src, quality, dest, room);
            }
            // The library reads and writes native memory only: heap pixels or output (tests) are staged.
            try (Arena staging = Arena.ofConfined()) {
                MemorySegment in = src.isNative() ? src : staging.allocate(src.byteSize(), 64).copyFrom(src);
                MemorySegment out = dest.isNative() ? dest : staging.allocate(room, 8);
                long size = compress(b, in, quality, out, room);
                if (size > 0 && out != dest) {
                    MemorySegment.copy(out, 0, dest, 0, size);
                }
                return size;
            }
        }

        private long compress(Bitmap b, MemorySegment src, int quality, MemorySegment out, long room) {
            bufferPointer.set(ValueLayout.ADDRESS, 0, out);
            sizeCell.set(SIZE_T, 0, room);
            int rc;
            try {
                rc = (int) tj.compress2().invokeExact(handle, src, b.width(), 4 * b.width(), b.height(),
                        PIXEL_FORMAT_BGRX, bufferPointer, sizeCell, SUBSAMPLING_420, Math.clamp(quality, 1, 100),
                        FLAG_NO_REALLOC);
            } catch (Throwable t) {
                throw new IllegalStateException("tjCompress2 failed", t);
            }
            long size = sizeCell.get(SIZE_T, 0);
            if (rc != 0 || size <= 0 || size > room
                    || bufferPointer.get(ValueLayout.ADDRESS, 0).address() != out.address()) {
                LOG.debug("tjCompress2 refused a {}x{} image: {}", b.width(), b.height(), error(tj, handle));
                return -1;
            }
            return size;
        }

        @Override
        public void close() {
            if (handle == null) {
                return;
            }
            try {
                int ignored = (int) tj.destroy().invokeExact(handle);
            } catch (Throwable t) {
                LOG.warn("tjDestroy failed: {}", t.toString());
            }
            handle = null;
            arena.close();
        }
    }
}
