package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code SpiceMigrateInterface}: The host migration notifications. Proven against the installed header by LayoutTest. */
public final class SpiceMigrateInterface {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SpiceBaseInterface.LAYOUT.withName("base"),
            ADDRESS.withName("migrate_connect_complete"),
            ADDRESS.withName("migrate_end_complete")).withName("SpiceMigrateInterface");
    public static final long base$OFFSET = 0;
    public static final long migrate_connect_complete$OFFSET = 24;
    public static final long migrate_end_complete$OFFSET = 32;

    private SpiceMigrateInterface() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    /** The embedded {@code SpiceBaseInterface}. */
    public static MemorySegment base(MemorySegment struct) {
        return struct.asSlice(base$OFFSET, SpiceBaseInterface.LAYOUT.byteSize());
    }

    public static MemorySegment migrate_connect_complete(MemorySegment struct) {
        return Pointers.get(struct, migrate_connect_complete$OFFSET);
    }

    public static void migrate_connect_complete(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, migrate_connect_complete$OFFSET, value);
    }

    public static MemorySegment migrate_end_complete(MemorySegment struct) {
        return Pointers.get(struct, migrate_end_complete$OFFSET);
    }

    public static void migrate_end_complete(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, migrate_end_complete$OFFSET, value);
    }
}
