package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code SpiceChannelEventInfo}: What channel_event tells the host about one channel connection. Proven against the installed header by LayoutTest. */
public final class SpiceChannelEventInfo {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("connection_id"),
            JAVA_INT.withName("type"),
            JAVA_INT.withName("id"),
            JAVA_INT.withName("flags"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("laddr"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("paddr"),
            JAVA_INT.withName("llen"),
            JAVA_INT.withName("plen"),
            MemoryLayout.sequenceLayout(128, JAVA_BYTE).withName("laddr_ext"),
            MemoryLayout.sequenceLayout(128, JAVA_BYTE).withName("paddr_ext"),
            JAVA_INT.withName("llen_ext"),
            JAVA_INT.withName("plen_ext")).withName("SpiceChannelEventInfo");
    public static final long connection_id$OFFSET = 0;
    public static final long type$OFFSET = 4;
    public static final long id$OFFSET = 8;
    public static final long flags$OFFSET = 12;
    public static final long laddr$OFFSET = 16;
    public static final long paddr$OFFSET = 32;
    public static final long llen$OFFSET = 48;
    public static final long plen$OFFSET = 52;
    public static final long laddr_ext$OFFSET = 56;
    public static final long paddr_ext$OFFSET = 184;
    public static final long llen_ext$OFFSET = 312;
    public static final long plen_ext$OFFSET = 316;

    private SpiceChannelEventInfo() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int connection_id(MemorySegment struct) {
        return struct.get(JAVA_INT, connection_id$OFFSET);
    }

    public static void connection_id(MemorySegment struct, int value) {
        struct.set(JAVA_INT, connection_id$OFFSET, value);
    }

    public static int type(MemorySegment struct) {
        return struct.get(JAVA_INT, type$OFFSET);
    }

    public static void type(MemorySegment struct, int value) {
        struct.set(JAVA_INT, type$OFFSET, value);
    }

    public static int id(MemorySegment struct) {
        return struct.get(JAVA_INT, id$OFFSET);
    }

    public static void id(MemorySegment struct, int value) {
        struct.set(JAVA_INT, id$OFFSET, value);
    }

    public static int flags(MemorySegment struct) {
        return struct.get(JAVA_INT, flags$OFFSET);
    }

    public static void flags(MemorySegment struct, int value) {
        struct.set(JAVA_INT, flags$OFFSET, value);
    }

    public static MemorySegment laddr(MemorySegment struct) {
        return struct.asSlice(laddr$OFFSET, 16);
    }

    public static MemorySegment paddr(MemorySegment struct) {
        return struct.asSlice(paddr$OFFSET, 16);
    }

    public static int llen(MemorySegment struct) {
        return struct.get(JAVA_INT, llen$OFFSET);
    }

    public static void llen(MemorySegment struct, int value) {
        struct.set(JAVA_INT, llen$OFFSET, value);
    }

    public static int plen(MemorySegment struct) {
        return struct.get(JAVA_INT, plen$OFFSET);
    }

    public static void plen(MemorySegment struct, int value) {
        struct.set(JAVA_INT, plen$OFFSET, value);
    }

    public static MemorySegment laddr_ext(MemorySegment struct) {
        return struct.asSlice(laddr_ext$OFFSET, 128);
    }

    public static MemorySegment paddr_ext(MemorySegment struct) {
        return struct.asSlice(paddr_ext$OFFSET, 128);
    }

    public static int llen_ext(MemorySegment struct) {
        return struct.get(JAVA_INT, llen_ext$OFFSET);
    }

    public static void llen_ext(MemorySegment struct, int value) {
        struct.set(JAVA_INT, llen_ext$OFFSET, value);
    }

    public static int plen_ext(MemorySegment struct) {
        return struct.get(JAVA_INT, plen_ext$OFFSET);
    }

    public static void plen_ext(MemorySegment struct, int value) {
        struct.set(JAVA_INT, plen_ext$OFFSET, value);
    }
}
