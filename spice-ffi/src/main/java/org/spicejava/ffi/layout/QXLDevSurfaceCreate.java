package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code QXLDevSurfaceCreate}: The primary surface as spice_qxl_create_primary_surface receives it. Proven against the installed header by LayoutTest. */
public final class QXLDevSurfaceCreate {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("width"),
            JAVA_INT.withName("height"),
            JAVA_INT.withName("stride"),
            JAVA_INT.withName("format"),
            JAVA_INT.withName("position"),
            JAVA_INT.withName("mouse_mode"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("type"),
            JAVA_LONG.withName("mem"),
            JAVA_INT.withName("group_id"),
            MemoryLayout.paddingLayout(4)).withName("QXLDevSurfaceCreate");
    public static final long width$OFFSET = 0;
    public static final long height$OFFSET = 4;
    public static final long stride$OFFSET = 8;
    public static final long format$OFFSET = 12;
    public static final long position$OFFSET = 16;
    public static final long mouse_mode$OFFSET = 20;
    public static final long flags$OFFSET = 24;
    public static final long type$OFFSET = 28;
    public static final long mem$OFFSET = 32;
    public static final long group_id$OFFSET = 40;

    private QXLDevSurfaceCreate() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int width(MemorySegment struct) {
        return struct.get(JAVA_INT, width$OFFSET);
    }

    public static void width(MemorySegment struct, int value) {
        struct.set(JAVA_INT, width$OFFSET, value);
    }

    public static int height(MemorySegment struct) {
        return struct.get(JAVA_INT, height$OFFSET);
    }

    public static void height(MemorySegment struct, int value) {
        struct.set(JAVA_INT, height$OFFSET, value);
    }

    public static int stride(MemorySegment struct) {
        return struct.get(JAVA_INT, stride$OFFSET);
    }

    public static void stride(MemorySegment struct, int value) {
        struct.set(JAVA_INT, stride$OFFSET, value);
    }

    public static int format(MemorySegment struct) {
        return struct.get(JAVA_INT, format$OFFSET);
    }

    public static void format(MemorySegment struct, int value) {
        struct.set(JAVA_INT, format$OFFSET, value);
    }

    public static int position(MemorySegment struct) {
        return struct.get(JAVA_INT, position$OFFSET);
    }

    public static void position(MemorySegment struct, int value) {
        struct.set(JAVA_INT, position$OFFSET, value);
    }

    public static int mouse_mode(MemorySegment struct) {
        return struct.get(JAVA_INT, mouse_mode$OFFSET);
    }

    public static void mouse_mode(MemorySegment struct, int value) {
        struct.set(JAVA_INT, mouse_mode$OFFSET, value);
    }

    public static int flags(MemorySegment struct) {
        return struct.get(JAVA_INT, flags$OFFSET);
    }

    public static void flags(MemorySegment struct, int value) {
        struct.set(JAVA_INT, flags$OFFSET, value);
    }

    public static int type(MemorySegment struct) {
        return struct.get(JAVA_INT, type$OFFSET);
    }

    public static void type(MemorySegment struct, int value) {
        struct.set(JAVA_INT, type$OFFSET, value);
    }

    public static long mem(MemorySegment struct) {
        return struct.get(JAVA_LONG, mem$OFFSET);
    }

    public static void mem(MemorySegment struct, long value) {
        struct.set(JAVA_LONG, mem$OFFSET, value);
    }

    public static int group_id(MemorySegment struct) {
        return struct.get(JAVA_INT, group_id$OFFSET);
    }

    public static void group_id(MemorySegment struct, int value) {
        struct.set(JAVA_INT, group_id$OFFSET, value);
    }
}
