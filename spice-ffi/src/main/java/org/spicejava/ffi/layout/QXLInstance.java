package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code QXLInstance}: A QXL device instance: interface, display id, and the server state pointer. Proven against the installed header by LayoutTest. */
public final class QXLInstance {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SpiceBaseInstance.LAYOUT.withName("base"),
            JAVA_INT.withName("id"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("st")).withName("QXLInstance");
    public static final long base$OFFSET = 0;
    public static final long id$OFFSET = 8;
    public static final long st$OFFSET = 16;

    private QXLInstance() {
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

    public static int id(MemorySegment struct) {
        return struct.get(JAVA_INT, id$OFFSET);
    }

    public static void id(MemorySegment struct, int value) {
        struct.set(JAVA_INT, id$OFFSET, value);
    }

    public static MemorySegment st(MemorySegment struct) {
        return Pointers.get(struct, st$OFFSET);
    }

    public static void st(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, st$OFFSET, value);
    }
}
