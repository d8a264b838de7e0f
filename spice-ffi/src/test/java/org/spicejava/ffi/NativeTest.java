package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

class NativeTest {
    @Test
    void errnoIsReadWhereTheCaptureLayoutPutsIt() {
        assertEquals(Native.CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno")),
                Native.memberOffset(Native.CALL_STATE, "errno"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            Native.CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno")).set(state, 0L, 11);
            assertEquals(11, Native.errno(state));
        }
    }

    @Test
    void aStringEndsAtItsTerminator() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocateFrom("spice_server_new\0trailing");
            assertEquals("spice_server_new", Native.string(MemorySegment.ofAddress(s.address())));
            assertEquals("", Native.string(MemorySegment.ofAddress(arena.allocateFrom("").address())));
            assertEquals("Grüße", Native.string(MemorySegment.ofAddress(arena.allocateFrom("Grüße").address())));
        }
        assertNull(Native.string(MemorySegment.NULL));
    }

    @Test
    void aStringWithoutTerminatorIsCutAtTheBound() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(Native.MAX_C_STRING + 64L);
            s.fill((byte) 'x');
            String read = Native.string(MemorySegment.ofAddress(s.address()));
            assertEquals(Native.MAX_C_STRING, read.length());
            s.set(ValueLayout.JAVA_BYTE, Native.MAX_C_STRING - 1, (byte) 0);
            assertEquals(Native.MAX_C_STRING - 1, Native.string(MemorySegment.ofAddress(s.address())).length());
        }
    }
}
