package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code SpiceCharDeviceInterface}: The host char device callbacks. Proven against the installed header by LayoutTest. */
public final class SpiceCharDeviceInterface {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SpiceBaseInterface.LAYOUT.withName("base"),
            ADDRESS.withName("state"),
            ADDRESS.withName("write"),
            ADDRESS.withName("read"),
            ADDRESS.withName("event"),
            JAVA_INT.withName("flags"),
            MemoryLayout.paddingLayout(4)).withName("SpiceCharDeviceInterface");
    public static final long base$OFFSET = 0;
    public static final long state$OFFSET = 24;
    public static final long write$OFFSET = 32;
    public static final long read$OFFSET = 40;
    public static final long event$OFFSET = 48;
    public static final long flags$OFFSET = 56;

    private SpiceCharDeviceInterface() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    /** The embedded {@code SpiceBaseInterface}. */
    public static MemorySegment base(MemorySegment struct) {
        return struct.asSlice(base$OFFSET, SpiceBaseInterface.LAYOUT.byteSize());
    }

    public static MemorySegment state(MemorySegment struct) {
        return Pointers.get(struct, state$OFFSET);
    }

    public static void state(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, state$OFFSET, value);
    }

    public static MemorySegment write(MemorySegment struct) {
        return Pointers.get(struct, write$OFFSET);
    }

    public static void write(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, write$OFFSET, value);
    }

    public static MemorySegment read(MemorySegment struct) {
        return Pointers.get(struct, read$OFFSET);
    }

    public static void read(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, read$OFFSET, value);
    }

    public static MemorySegment event(MemorySegment struct) {
        return Pointers.get(struct, event$OFFSET);
    }

    public static void event(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, event$OFFSET, value);
    }

    public static int flags(MemorySegment struct) {
        return struct.get(JAVA_INT, flags$OFFSET);
    }

    public static void flags(MemorySegment struct, int value) {
        struct.set(JAVA_INT, flags$OFFSET, value);
    }
}
