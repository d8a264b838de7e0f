package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code QXLCommand}: A ring entry: the guest address and type of a command. Proven against the installed header by LayoutTest. */
public final class QXLCommand {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("data"),
            JAVA_INT.withName("type"),
            JAVA_INT.withName("padding")).withName("QXLCommand");
    public static final long data$OFFSET = 0;
    public static final long type$OFFSET = 8;
    public static final long padding$OFFSET = 12;

    private QXLCommand() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static long data(MemorySegment struct) {
        return struct.get(JAVA_LONG, data$OFFSET);
    }

    public static void data(MemorySegment struct, long value) {
        struct.set(JAVA_LONG, data$OFFSET, value);
    }

    public static int type(MemorySegment struct) {
        return struct.get(JAVA_INT, type$OFFSET);
    }

    public static void type(MemorySegment struct, int value) {
        struct.set(JAVA_INT, type$OFFSET, value);
    }

    public static int padding(MemorySegment struct) {
        return struct.get(JAVA_INT, padding$OFFSET);
    }

    public static void padding(MemorySegment struct, int value) {
        struct.set(JAVA_INT, padding$OFFSET, value);
    }
}
