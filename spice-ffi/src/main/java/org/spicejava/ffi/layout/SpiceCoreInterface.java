package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code SpiceCoreInterface}: The host main loop as spice_server_init receives it: timers, watches, channel events. Proven against the installed header by LayoutTest. */
public final class SpiceCoreInterface {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SpiceBaseInterface.LAYOUT.withName("base"),
            ADDRESS.withName("timer_add"),
            ADDRESS.withName("timer_start"),
            ADDRESS.withName("timer_cancel"),
            ADDRESS.withName("timer_remove"),
            ADDRESS.withName("watch_add"),
            ADDRESS.withName("watch_update_mask"),
            ADDRESS.withName("watch_remove"),
            ADDRESS.withName("channel_event")).withName("SpiceCoreInterface");
    public static final long base$OFFSET = 0;
    public static final long timer_add$OFFSET = 24;
    public static final long timer_start$OFFSET = 32;
    public static final long timer_cancel$OFFSET = 40;
    public static final long timer_remove$OFFSET = 48;
    public static final long watch_add$OFFSET = 56;
    public static final long watch_update_mask$OFFSET = 64;
    public static final long watch_remove$OFFSET = 72;
    public static final long channel_event$OFFSET = 80;

    private SpiceCoreInterface() {
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

    public static MemorySegment timer_add(MemorySegment struct) {
        return Pointers.get(struct, timer_add$OFFSET);
    }

    public static void timer_add(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, timer_add$OFFSET, value);
    }

    public static MemorySegment timer_start(MemorySegment struct) {
        return Pointers.get(struct, timer_start$OFFSET);
    }

    public static void timer_start(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, timer_start$OFFSET, value);
    }

    public static MemorySegment timer_cancel(MemorySegment struct) {
        return Pointers.get(struct, timer_cancel$OFFSET);
    }

    public static void timer_cancel(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, timer_cancel$OFFSET, value);
    }

    public static MemorySegment timer_remove(MemorySegment struct) {
        return Pointers.get(struct, timer_remove$OFFSET);
    }

    public static void timer_remove(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, timer_remove$OFFSET, value);
    }

    public static MemorySegment watch_add(MemorySegment struct) {
        return Pointers.get(struct, watch_add$OFFSET);
    }

    public static void watch_add(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, watch_add$OFFSET, value);
    }

    public static MemorySegment watch_update_mask(MemorySegment struct) {
        return Pointers.get(struct, watch_update_mask$OFFSET);
    }

    public static void watch_update_mask(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, watch_update_mask$OFFSET, value);
    }

    public static MemorySegment watch_remove(MemorySegment struct) {
        return Pointers.get(struct, watch_remove$OFFSET);
    }

    public static void watch_remove(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, watch_remove$OFFSET, value);
    }

    public static MemorySegment channel_event(MemorySegment struct) {
        return Pointers.get(struct, channel_event$OFFSET);
    }

    public static void channel_event(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, channel_event$OFFSET, value);
    }
}
