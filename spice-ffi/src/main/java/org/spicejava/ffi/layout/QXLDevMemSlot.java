package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code QXLDevMemSlot}: A memslot as spice_qxl_add_memslot receives it. Proven against the installed header by LayoutTest. */
public final class QXLDevMemSlot {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("slot_group_id"),
            JAVA_INT.withName("slot_id"),
            JAVA_INT.withName("generation"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("virt_start"),
            JAVA_LONG.withName("virt_end"),
            JAVA_LONG.withName("addr_delta"),
            JAVA_INT.withName("qxl_ram_size"),
            MemoryLayout.paddingLayout(4)).withName("QXLDevMemSlot");
    public static final long slot_group_id$OFFSET = 0;
    public static final long slot_id$OFFSET = 4;
    public static final long generation$OFFSET = 8;
    public static final long virt_start$OFFSET = 16;
    public static final long virt_end$OFFSET = 24;
    public static final long addr_delta$OFFSET = 32;
    public static final long qxl_ram_size$OFFSET = 40;

    private QXLDevMemSlot() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int slot_group_id(MemorySegment struct) {
        return struct.get(JAVA_INT, slot_group_id$OFFSET);
    }

    public static void slot_group_id(MemorySegment struct, int value) {
        struct.set(JAVA_INT, slot_group_id$OFFSET, value);
    }

    public static int slot_id(MemorySegment struct) {
        return struct.get(JAVA_INT, slot_id$OFFSET);
    }

    public static void slot_id(MemorySegment struct, int value) {
        struct.set(JAVA_INT, slot_id$OFFSET, value);
    }

    public static int generation(MemorySegment struct) {
        return struct.get(JAVA_INT, generation$OFFSET);
    }

    public static void generation(MemorySegment struct, int value) {
        struct.set(JAVA_INT, generation$OFFSET, value);
    }

    public static long virt_start(MemorySegment struct) {
        return struct.get(JAVA_LONG, virt_start$OFFSET);
    }

    public static void virt_start(MemorySegment struct, long value) {
        struct.set(JAVA_LONG, virt_start$OFFSET, value);
    }

    public static long virt_end(MemorySegment struct) {
        return struct.get(JAVA_LONG, virt_end$OFFSET);
    }

    public static void virt_end(MemorySegment struct, long value) {
        struct.set(JAVA_LONG, virt_end$OFFSET, value);
    }

    public static long addr_delta(MemorySegment struct) {
        return struct.get(JAVA_LONG, addr_delta$OFFSET);
    }

    public static void addr_delta(MemorySegment struct, long value) {
        struct.set(JAVA_LONG, addr_delta$OFFSET, value);
    }

    public static int qxl_ram_size(MemorySegment struct) {
        return struct.get(JAVA_INT, qxl_ram_size$OFFSET);
    }

    public static void qxl_ram_size(MemorySegment struct, int value) {
        struct.set(JAVA_INT, qxl_ram_size$OFFSET, value);
    }
}
