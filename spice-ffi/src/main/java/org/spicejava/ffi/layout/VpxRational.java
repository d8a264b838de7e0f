package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code vpx_rational_t} (libvpx's vpx/vpx_encoder.h): a fraction, the encoder's time base among others. Proven
 * against the installed header by VpxLayoutTest.
 */
public final class VpxRational {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("num"),
            JAVA_INT.withName("den")).withName("vpx_rational_t");
    public static final long num$OFFSET = 0;
    public static final long den$OFFSET = 4;

    private VpxRational() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int num(MemorySegment struct) {
        return struct.get(JAVA_INT, num$OFFSET);
    }

    public static void num(MemorySegment struct, int value) {
        struct.set(JAVA_INT, num$OFFSET, value);
    }

    public static int den(MemorySegment struct) {
        return struct.get(JAVA_INT, den$OFFSET);
    }

    public static void den(MemorySegment struct, int value) {
        struct.set(JAVA_INT, den$OFFSET, value);
    }
}
