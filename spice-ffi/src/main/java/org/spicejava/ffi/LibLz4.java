package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.compress.JavaLz4;
import org.spicejava.core.compress.Lz4Codec;

/**
 * spice-core's LZ4 codec bound to liblz4 (functions only: Debian's liblz4-1 ships no headers), the library the
 * reference links, so our blocks are its blocks. Bound on first use; when liblz4 is missing or lacks a function,
 * that first use logs one line and lz4-java's {@link JavaLz4} does the work from then on. Thread-safe: each call
 * has its own stream state.
 *
 * <p>Measured (scripts/bench-compression, LZ4, full HD, ours/reference in one run): bytes per megapixel 1.00 on
 * text, photo and desktop (lz4-java: 1.18, 0.93, 1.47); CPU per frame 1.44, 0.92, 1.78 (lz4-java: 2.20, 2.57,
 * 2.11), where with compression off we are at 1.35 and 2.15: what is left is outside LZ4.
 */
public final class LibLz4 implements Lz4Codec {
    private static final Logger LOG = LoggerFactory.getLogger(LibLz4.class);
    /** The soname of Debian's liblz4-1. */
    static final String LIBRARY = "liblz4.so.1";
    /** The reference's acceleration for image blocks (lz4_encode): 1, liblz4's default. */
    static final int ACCELERATION = 1;
    private static final LibLz4 CODEC = new LibLz4(LIBRARY);

    private final String library;
    /** The bound functions, or {@link JavaLz4} after a failed binding; null before the first use. */
    private volatile Lz4Codec bound;

    /** The codec of the library {@code library} (a soname or path); tests name a missing one. */
    LibLz4(String library) {
        this.library = library;
    }

    /** The codec; nothing is loaded until it first compresses (binding costs milliseconds on a cold JVM). */
    public static LibLz4 codec() {
        return CODEC;
    }

    /** True when liblz4 is bound (binding it now if no one has tried). */
    public boolean isNative() {
        return bound() instanceof Functions;
    }

    @Override
    public int compress(MemorySegment src, MemorySegment dest) {
        return bound().compress(src, dest);
    }

    @Override
    public int compressStreamStart(MemorySegment src, MemorySegment dest) {
        return bound().compressStreamStart(src, dest);
    }

    private Lz4Codec bound() {
        Lz4Codec codec = bound;
        return codec != null ? codec : bind();
    }

    private synchronized Lz4Codec bind() {
        if (bound == null) {
            try {
                bound = Functions.of(SymbolLookup.libraryLookup(library, Arena.global()));
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                LOG.info("LZ4 through lz4-java: {} could not be loaded ({})", library, e.getMessage());
                bound = JavaLz4.INSTANCE;
            }
        }
        return bound;
    }

    /** The functions we call, the ones the reference calls (lz4.h, 1.9). */
    private record Functions(MethodHandle createStream, MethodHandle freeStream, MethodHandle compressFastContinue,
                             MethodHandle compressDefault) implements Lz4Codec {
        static Functions of(SymbolLookup lib) {
            return new Functions(
                    // LZ4_stream_t *LZ4_createStream(void)
                    Native.bind(lib, "LZ4_createStream", FunctionDescriptor.of(ValueLayout.ADDRESS)),
                    // int LZ4_freeStream(LZ4_stream_t *)
                    Native.bind(lib, "LZ4_freeStream",
                            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS)),
                    // int LZ4_compress_fast_continue(LZ4_stream_t *, const char *src, char *dst, int srcSize,
                    //                                int dstCapacity, int acceleration)
                    Native.bind(lib, "LZ4_compress_fast_continue", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)),
                    // int LZ4_compress_default(const char *src, char *dst, int srcSize, int dstCapacity)
                    Native.bind(lib, "LZ4_compress_default", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)));
        }


        @Override
        public int compress(MemorySegment src, MemorySegment dest) {
            return staged(src, dest, false);
        }

        @Override
        public int compressStreamStart(MemorySegment src, MemorySegment dest) {
            return staged(src, dest, true);
        }

        /** The library reads and writes native memory only: heap input or output (vmc data, tests) is copied. */
        private int staged(MemorySegment src, MemorySegment dest, boolean stream) {
            if (src.byteSize() > MAX_INPUT) {
                return -1;
            }
            int room = (int) Math.min(dest.byteSize(), Integer.MAX_VALUE);
            if (src.isNative() && dest.isNative()) {
                return call(src, dest, room, stream);
            }
            try (Arena staging = Arena.ofConfined()) {
                MemorySegment in = src.isNative() ? src : staging.allocate(src.byteSize(), 8).copyFrom(src);
                MemorySegment out = dest.isNative() ? dest : staging.allocate(room, 8);
                int size = call(in, out, room, stream);
                if (size > 0 && out != dest) {
                    MemorySegment.copy(out, 0, dest, 0, size);
                }
                return size;
            }
        }

        private int call(MemorySegment src, MemorySegment dest, int room, boolean stream) {
            int size = (int) src.byteSize();
            try {
                if (!stream) {
                    return positive((int) compressDefault.invokeExact(src, dest, size, room));
                }
                // As lz4_encode: a stream of its own per image, freed after its (single) block.
                MemorySegment state = (MemorySegment) createStream.invokeExact();
                if (state.equals(MemorySegment.NULL)) {
                    return -1;
                }
                try {
                    return positive((int) compressFastContinue.invokeExact(state, src, dest, size, room,
                            ACCELERATION));
                } finally {
                    int ignored = (int) freeStream.invokeExact(state);
                }
            } catch (Throwable t) {
                throw new IllegalStateException("liblz4 call failed", t);
            }
        }

        /** liblz4 answers 0 when the block does not fit; an empty input also makes a (1-byte) block. */
        private static int positive(int size) {
            return size > 0 ? size : -1;
        }
    }
}
