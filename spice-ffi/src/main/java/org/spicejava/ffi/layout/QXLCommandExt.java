package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code QXLCommandExt}: What get_command fills in: the command plus its memslot group. Proven against the installed header by LayoutTest. */
public final class QXLCommandExt {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            QXLCommand.LAYOUT.withName("cmd"),
            JAVA_INT.withName("group_id"),
            JAVA_INT.withName("flags")).withName("QXLCommandExt");
    public static final long cmd$OFFSET = 0;
    public static final long group_id$OFFSET = 16;
    public static final long flags$OFFSET = 20;

    private QXLCommandExt() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static MemorySegment cmd(MemorySegment struct) {
        return struct.asSlice(cmd$OFFSET, QXLCommand.LAYOUT.byteSize());
    }

    public static int group_id(MemorySegment struct) {
        return struct.get(JAVA_INT, group_id$OFFSET);
    }

    public static void group_id(MemorySegment struct, int value) {
        struct.set(JAVA_INT, group_id$OFFSET, value);
    }

    public static int flags(MemorySegment struct) {
        return struct.get(JAVA_INT, flags$OFFSET);
    }

    public static void flags(MemorySegment struct, int value) {
        struct.set(JAVA_INT, flags$OFFSET, value);
    }
}
