package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code SpiceCharDeviceInstance}: A char device instance: subtype ("vdagent", "usbredir", "port") and port name. Proven against the installed header by LayoutTest. */
public final class SpiceCharDeviceInstance {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SpiceBaseInstance.LAYOUT.withName("base"),
            ADDRESS.withName("subtype"),
            ADDRESS.withName("st"),
            ADDRESS.withName("portname")).withName("SpiceCharDeviceInstance");
    public static final long base$OFFSET = 0;
    public static final long subtype$OFFSET = 8;
    public static final long st$OFFSET = 16;
    public static final long portname$OFFSET = 24;

    private SpiceCharDeviceInstance() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    /** The embedded {@code SpiceBaseInstance}. */
    public static MemorySegment base(MemorySegment struct) {
        return struct.asSlice(base$OFFSET, SpiceBaseInstance.LAYOUT.byteSize());
    }

    public static MemorySegment subtype(MemorySegment struct) {
        return Pointers.get(struct, subtype$OFFSET);
    }

    public static void subtype(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, subtype$OFFSET, value);
    }

    public static MemorySegment st(MemorySegment struct) {
        return Pointers.get(struct, st$OFFSET);
    }

    public static void st(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, st$OFFSET, value);
    }

    public static MemorySegment portname(MemorySegment struct) {
        return Pointers.get(struct, portname$OFFSET);
    }

    public static void portname(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, portname$OFFSET, value);
    }
}
