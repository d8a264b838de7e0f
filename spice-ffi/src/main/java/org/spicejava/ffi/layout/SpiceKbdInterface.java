package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code SpiceKbdInterface}: The host keyboard callbacks. Proven against the installed header by LayoutTest. */
public final class SpiceKbdInterface {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SpiceBaseInterface.LAYOUT.withName("base"),
            ADDRESS.withName("push_scan_freg"),
            ADDRESS.withName("get_leds")).withName("SpiceKbdInterface");
    public static final long base$OFFSET = 0;
    public static final long push_scan_freg$OFFSET = 24;
    public static final long get_leds$OFFSET = 32;

    private SpiceKbdInterface() {
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

    public static MemorySegment push_scan_freg(MemorySegment struct) {
        return Pointers.get(struct, push_scan_freg$OFFSET);
    }

    public static void push_scan_freg(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, push_scan_freg$OFFSET, value);
    }

    public static MemorySegment get_leds(MemorySegment struct) {
        return Pointers.get(struct, get_leds$OFFSET);
    }

    public static void get_leds(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, get_leds$OFFSET, value);
    }
}
