package org.spicejava.ffi.layout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Pointer fields read and written as 64-bit words. An {@code ADDRESS} access is a long access behind a converting
 * filter whose method handle forms the JVM builds at run time, the first time each is used: about 10 ms of a cold
 * JVM's start-up (QEMU reads the core interface's function pointers before its QMP monitor answers), where a long
 * access is ready-made. The LP64 targets we build for have 8-byte, 8-aligned pointers, as LayoutTest proves.
 */
public final class Pointers {
    private Pointers() {
    }

    public static MemorySegment get(MemorySegment struct, long offset) {
        return MemorySegment.ofAddress(struct.get(ValueLayout.JAVA_LONG, offset));
    }

    public static void set(MemorySegment struct, long offset, MemorySegment value) {
        struct.set(ValueLayout.JAVA_LONG, offset, value.address());
    }
}
