package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code SpiceTabletInterface}: The host absolute-pointer callbacks. Proven against the installed header by LayoutTest. */
public final class SpiceTabletInterface {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SpiceBaseInterface.LAYOUT.withName("base"),
            ADDRESS.withName("set_logical_size"),
            ADDRESS.withName("position"),
            ADDRESS.withName("wheel"),
            ADDRESS.withName("buttons")).withName("SpiceTabletInterface");
    public static final long base$OFFSET = 0;
    public static final long set_logical_size$OFFSET = 24;
    public static final long position$OFFSET = 32;
    public static final long wheel$OFFSET = 40;
    public static final long buttons$OFFSET = 48;

    private SpiceTabletInterface() {
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

    public static MemorySegment set_logical_size(MemorySegment struct) {
        return Pointers.get(struct, set_logical_size$OFFSET);
    }

    public static void set_logical_size(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, set_logical_size$OFFSET, value);
    }

    public static MemorySegment position(MemorySegment struct) {
        return Pointers.get(struct, position$OFFSET);
    }

    public static void position(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, position$OFFSET, value);
    }

    public static MemorySegment wheel(MemorySegment struct) {
        return Pointers.get(struct, wheel$OFFSET);
    }

    public static void wheel(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, wheel$OFFSET, value);
    }

    public static MemorySegment buttons(MemorySegment struct) {
        return Pointers.get(struct, buttons$OFFSET);
    }

    public static void buttons(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, buttons$OFFSET, value);
    }
}
