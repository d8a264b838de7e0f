package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code QXLReleaseInfoExt}: The argument of release_resource, passed by value. Proven against the installed header by LayoutTest. */
public final class QXLReleaseInfoExt {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ADDRESS.withName("info"),
            JAVA_INT.withName("group_id"),
            MemoryLayout.paddingLayout(4)).withName("QXLReleaseInfoExt");
    public static final long info$OFFSET = 0;
    public static final long group_id$OFFSET = 8;

    private QXLReleaseInfoExt() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static MemorySegment info(MemorySegment struct) {
        return Pointers.get(struct, info$OFFSET);
    }

    public static void info(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, info$OFFSET, value);
    }

    public static int group_id(MemorySegment struct) {
        return struct.get(JAVA_INT, group_id$OFFSET);
    }

    public static void group_id(MemorySegment struct, int value) {
        struct.set(JAVA_INT, group_id$OFFSET, value);
    }
}
