package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code SpiceBaseInstance}: The header every device instance starts with: a pointer to its interface. Proven against the installed header by LayoutTest. */
public final class SpiceBaseInstance {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ADDRESS.withName("sif")).withName("SpiceBaseInstance");
    public static final long sif$OFFSET = 0;

    private SpiceBaseInstance() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static MemorySegment sif(MemorySegment struct) {
        return Pointers.get(struct, sif$OFFSET);
    }

    public static void sif(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, sif$OFFSET, value);
    }
}
