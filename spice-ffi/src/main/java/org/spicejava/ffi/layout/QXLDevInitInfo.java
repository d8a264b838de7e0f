package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code QXLDevInitInfo}: What get_init_info fills in: memslot geometry and surface count. Proven against the installed header by LayoutTest. */
public final class QXLDevInitInfo {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("num_memslots_groups"),
            JAVA_INT.withName("num_memslots"),
            JAVA_BYTE.withName("memslot_gen_bits"),
            JAVA_BYTE.withName("memslot_id_bits"),
            MemoryLayout.paddingLayout(2),
            JAVA_INT.withName("qxl_ram_size"),
            JAVA_BYTE.withName("internal_groupslot_id"),
            MemoryLayout.paddingLayout(3),
            JAVA_INT.withName("n_surfaces")).withName("QXLDevInitInfo");
    public static final long num_memslots_groups$OFFSET = 0;
    public static final long num_memslots$OFFSET = 4;
    public static final long memslot_gen_bits$OFFSET = 8;
    public static final long memslot_id_bits$OFFSET = 9;
    public static final long qxl_ram_size$OFFSET = 12;
    public static final long internal_groupslot_id$OFFSET = 16;
    public static final long n_surfaces$OFFSET = 20;

    private QXLDevInitInfo() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int num_memslots_groups(MemorySegment struct) {
        return struct.get(JAVA_INT, num_memslots_groups$OFFSET);
    }

    public static void num_memslots_groups(MemorySegment struct, int value) {
        struct.set(JAVA_INT, num_memslots_groups$OFFSET, value);
    }

    public static int num_memslots(MemorySegment struct) {
        return struct.get(JAVA_INT, num_memslots$OFFSET);
    }

    public static void num_memslots(MemorySegment struct, int value) {
        struct.set(JAVA_INT, num_memslots$OFFSET, value);
    }

    public static byte memslot_gen_bits(MemorySegment struct) {
        return struct.get(JAVA_BYTE, memslot_gen_bits$OFFSET);
    }

    public static void memslot_gen_bits(MemorySegment struct, byte value) {
        struct.set(JAVA_BYTE, memslot_gen_bits$OFFSET, value);
    }

    public static byte memslot_id_bits(MemorySegment struct) {
        return struct.get(JAVA_BYTE, memslot_id_bits$OFFSET);
    }

    public static void memslot_id_bits(MemorySegment struct, byte value) {
        struct.set(JAVA_BYTE, memslot_id_bits$OFFSET, value);
    }

    public static int qxl_ram_size(MemorySegment struct) {
        return struct.get(JAVA_INT, qxl_ram_size$OFFSET);
    }

    public static void qxl_ram_size(MemorySegment struct, int value) {
        struct.set(JAVA_INT, qxl_ram_size$OFFSET, value);
    }

    public static byte internal_groupslot_id(MemorySegment struct) {
        return struct.get(JAVA_BYTE, internal_groupslot_id$OFFSET);
    }

    public static void internal_groupslot_id(MemorySegment struct, byte value) {
        struct.set(JAVA_BYTE, internal_groupslot_id$OFFSET, value);
    }

    public static int n_surfaces(MemorySegment struct) {
        return struct.get(JAVA_INT, n_surfaces$OFFSET);
    }

    public static void n_surfaces(MemorySegment struct, int value) {
        struct.set(JAVA_INT, n_surfaces$OFFSET, value);
    }
}
