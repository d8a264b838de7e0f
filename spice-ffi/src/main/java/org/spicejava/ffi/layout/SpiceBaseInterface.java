package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code SpiceBaseInterface}: The header every host interface starts with: type string, description, major/minor version. Proven against the installed header by LayoutTest. */
public final class SpiceBaseInterface {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ADDRESS.withName("type"),
            ADDRESS.withName("description"),
            JAVA_INT.withName("major_version"),
            JAVA_INT.withName("minor_version")).withName("SpiceBaseInterface");
    public static final long type$OFFSET = 0;
    public static final long description$OFFSET = 8;
    public static final long major_version$OFFSET = 16;
    public static final long minor_version$OFFSET = 20;

    private SpiceBaseInterface() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static MemorySegment type(MemorySegment struct) {
        return Pointers.get(struct, type$OFFSET);
    }

    public static void type(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, type$OFFSET, value);
    }

    public static MemorySegment description(MemorySegment struct) {
        return Pointers.get(struct, description$OFFSET);
    }

    public static void description(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, description$OFFSET, value);
    }

    public static int major_version(MemorySegment struct) {
        return struct.get(JAVA_INT, major_version$OFFSET);
    }

    public static void major_version(MemorySegment struct, int value) {
        struct.set(JAVA_INT, major_version$OFFSET, value);
    }

    public static int minor_version(MemorySegment struct) {
        return struct.get(JAVA_INT, minor_version$OFFSET);
    }

    public static void minor_version(MemorySegment struct, int value) {
        struct.set(JAVA_INT, minor_version$OFFSET, value);
    }
}
