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

    private final MethodHandle initCompress;
    private final MethodHandle compress2;
    private final MethodHandle bufSize;
    private final MethodHandle destroy;
    private final MethodHandle errorString;

    private TurboJpeg(SymbolLookup lib) {
        initCompress = bind(lib, "tjInitCompress", FunctionDescriptor.of(ValueLayout.ADDRESS));
        // int tjCompress2(tjhandle, const unsigned char *src, int width, int pitch, int height, int pixelFormat,
        //                 unsigned char **jpegBuf, unsigned long *jpegSize, int subsamp, int quality, int flags)
        compress2 = bind(lib, "tjCompress2", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        // unsigned long tjBufSize(int width, int height, int jpegSubsamp)
        bufSize = bind(lib, "tjBufSize", FunctionDescriptor.of(SIZE_T, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT));
        destroy = bind(lib, "tjDestroy", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        errorString = bind(lib, "tjGetErrorStr2", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    }

    private static MethodHandle bind(SymbolLookup lib, String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = lib.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError(name + " not found in " + LIBRARY));
        return Native.LINKER.downcallHandle(symbol, descriptor);
    }

    /** The library's symbols (tests bind the decompressor from the same lookup). */
    static SymbolLookup library() {
        return SymbolLookup.libraryLookup(LIBRARY, Arena.global());
    }

    /**
     * The codec, or null after one log line when libturbojpeg is not installed or lacks a function: the server
     * then never offers JPEG and everything else works.
     *
     * <p>Handle lifetime, measured (TurboJpegTest prints it): tjInitCompress plus tjDestroy alone take 0.3-1.5 us,
     * but the first compression on a fresh handle sets up the library's state, so a 48x48 image took 21-31 us with
     * a handle of its own against 14-16 us with a reused one. One handle per display worker, opened on its thread,
     * costs nothing per image.
     */
    public static TurboJpeg codec() {
        try {
            return new TurboJpeg(library());
        } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
            LOG.info("JPEG not offered: {} could not be loaded ({})", LIBRARY, e.getMessage());
            return null;
        }
    }

    @Override
    public Encoder open() {
        MemorySegment handle;
        try {
            handle = (MemorySegment) initCompress.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("tjInitCompress failed", t);
        }
        if (handle.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("tjInitCompress failed: " + error(MemorySegment.NULL));
        }
        return new Encoder(handle);
    }

    /** The library's last error message for {@code handle} (NULL: the last one of handle creation). */
    String error(MemorySegment handle) {
        try {
            return Native.string((MemorySegment) errorString.invokeExact(handle));
        } catch (Throwable t) {
            return "no error string: " + t;
        }
    }

    /** tjBufSize for 4:2:0, or -1 when the library refuses the size. */
    long bufSize(int width, int height) {
        if (width <= 0 || height <= 0 || width > MAX_SIDE || height > MAX_SIDE) {
            return -1;
        }
        try {
            long size = (long) bufSize.invokeExact(width, height, SUBSAMPLING_420);
            return size <= 0 || size > Integer.MAX_VALUE ? -1 : size; // (unsigned long) -1 on error
        } catch (Throwable t) {
            return -1;
        }
    }

    /**
     * One compressor handle and the two out-parameters tjCompress2 writes (kept in native memory of their own so a
     * call allocates nothing). Confined to the thread that uses it; not thread-safe.
     */
    public final class Encoder implements JpegEncoder {
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment bufferPointer = arena.allocate(ValueLayout.ADDRESS);
        private final MemorySegment sizeCell = arena.allocate(SIZE_T);
        private MemorySegment handle;

        private Encoder(MemorySegment handle) {
            this.handle = handle;
        }

        @Override
        public long maxSize(int width, int height) {
            return bufSize(width, height);
        }

        @Override
        public long encode(Bitmap b, int quality, MemorySegment dest) {
            if (handle == null) {
                throw new IllegalStateException("JPEG encoder closed");
            }
            long room = bufSize(b.width(), b.height());
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
                rc = (int) compress2.invokeExact(handle, src, b.width(), 4 * b.width(), b.height(),
                        PIXEL_FORMAT_BGRX, bufferPointer, sizeCell, SUBSAMPLING_420, Math.clamp(quality, 1, 100),
                        FLAG_NO_REALLOC);
            } catch (Throwable t) {
                throw new IllegalStateException("tjCompress2 failed", t);
            }
            long size = sizeCell.get(SIZE_T, 0);
            if (rc != 0 || size <= 0 || size > room
                    || bufferPointer.get(ValueLayout.ADDRESS, 0).address() != out.address()) {
                LOG.debug("tjCompress2 refused a {}x{} image: {}", b.width(), b.height(), error(handle));
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
                int ignored = (int) destroy.invokeExact(handle);
            } catch (Throwable t) {
                LOG.warn("tjDestroy failed: {}", t.toString());
            }
            handle = null;
            arena.close();
        }
    }
}
