package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code SpiceKbdInstance}: A keyboard instance. Proven against the installed header by LayoutTest. */
public final class SpiceKbdInstance {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SpiceBaseInstance.LAYOUT.withName("base"),
            ADDRESS.withName("st")).withName("SpiceKbdInstance");
    public static final long base$OFFSET = 0;
    public static final long st$OFFSET = 8;

    private SpiceKbdInstance() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    /** The embedded {@code SpiceBaseInstance}. */
    public static MemorySegment base(MemorySegment struct) {
        return struct.asSlice(base$OFFSET, SpiceBaseInstance.LAYOUT.byteSize());
    }

    public static MemorySegment st(MemorySegment struct) {
        return Pointers.get(struct, st$OFFSET);
    }

    public static void st(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, st$OFFSET, value);
    }
}
