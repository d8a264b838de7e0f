package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code SpiceMouseInterface}: The host relative-mouse callbacks. Proven against the installed header by LayoutTest. */
public final class SpiceMouseInterface {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SpiceBaseInterface.LAYOUT.withName("base"),
            ADDRESS.withName("motion"),
            ADDRESS.withName("buttons")).withName("SpiceMouseInterface");
    public static final long base$OFFSET = 0;
    public static final long motion$OFFSET = 24;
    public static final long buttons$OFFSET = 32;

    private SpiceMouseInterface() {
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

    public static MemorySegment motion(MemorySegment struct) {
        return Pointers.get(struct, motion$OFFSET);
    }

    public static void motion(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, motion$OFFSET, value);
    }

    public static MemorySegment buttons(MemorySegment struct) {
        return Pointers.get(struct, buttons$OFFSET);
    }

    public static void buttons(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, buttons$OFFSET, value);
    }
}
