package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code QXLInterface}: The QXL device callbacks (version 3.3). Proven against the installed header by LayoutTest. */
public final class QXLInterface {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SpiceBaseInterface.LAYOUT.withName("base"),
            ADDRESS.withName("attache_worker"),
            ADDRESS.withName("set_compression_level"),
            ADDRESS.withName("set_mm_time"),
            ADDRESS.withName("get_init_info"),
            ADDRESS.withName("get_command"),
            ADDRESS.withName("req_cmd_notification"),
            ADDRESS.withName("release_resource"),
            ADDRESS.withName("get_cursor_command"),
            ADDRESS.withName("req_cursor_notification"),
            ADDRESS.withName("notify_update"),
            ADDRESS.withName("flush_resources"),
            ADDRESS.withName("async_complete"),
            ADDRESS.withName("update_area_complete"),
            ADDRESS.withName("set_client_capabilities"),
            ADDRESS.withName("client_monitors_config")).withName("QXLInterface");
    public static final long base$OFFSET = 0;
    public static final long attache_worker$OFFSET = 24;
    public static final long set_compression_level$OFFSET = 32;
    public static final long set_mm_time$OFFSET = 40;
    public static final long get_init_info$OFFSET = 48;
    public static final long get_command$OFFSET = 56;
    public static final long req_cmd_notification$OFFSET = 64;
    public static final long release_resource$OFFSET = 72;
    public static final long get_cursor_command$OFFSET = 80;
    public static final long req_cursor_notification$OFFSET = 88;
    public static final long notify_update$OFFSET = 96;
    public static final long flush_resources$OFFSET = 104;
    public static final long async_complete$OFFSET = 112;
    public static final long update_area_complete$OFFSET = 120;
    public static final long set_client_capabilities$OFFSET = 128;
    public static final long client_monitors_config$OFFSET = 136;

    private QXLInterface() {
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

    public static MemorySegment attache_worker(MemorySegment struct) {
        return Pointers.get(struct, attache_worker$OFFSET);
    }

    public static void attache_worker(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, attache_worker$OFFSET, value);
    }

    public static MemorySegment set_compression_level(MemorySegment struct) {
        return Pointers.get(struct, set_compression_level$OFFSET);
    }

    public static void set_compression_level(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, set_compression_level$OFFSET, value);
    }

    public static MemorySegment set_mm_time(MemorySegment struct) {
        return Pointers.get(struct, set_mm_time$OFFSET);
    }

    public static void set_mm_time(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, set_mm_time$OFFSET, value);
    }

    public static MemorySegment get_init_info(MemorySegment struct) {
        return Pointers.get(struct, get_init_info$OFFSET);
    }

    public static void get_init_info(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, get_init_info$OFFSET, value);
    }

    public static MemorySegment get_command(MemorySegment struct) {
        return Pointers.get(struct, get_command$OFFSET);
    }

    public static void get_command(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, get_command$OFFSET, value);
    }

    public static MemorySegment req_cmd_notification(MemorySegment struct) {
        return Pointers.get(struct, req_cmd_notification$OFFSET);
    }

    public static void req_cmd_notification(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, req_cmd_notification$OFFSET, value);
    }

    public static MemorySegment release_resource(MemorySegment struct) {
        return Pointers.get(struct, release_resource$OFFSET);
    }

    public static void release_resource(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, release_resource$OFFSET, value);
    }

    public static MemorySegment get_cursor_command(MemorySegment struct) {
        return Pointers.get(struct, get_cursor_command$OFFSET);
    }

    public static void get_cursor_command(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, get_cursor_command$OFFSET, value);
    }

    public static MemorySegment req_cursor_notification(MemorySegment struct) {
        return Pointers.get(struct, req_cursor_notification$OFFSET);
    }

    public static void req_cursor_notification(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, req_cursor_notification$OFFSET, value);
    }

    public static MemorySegment notify_update(MemorySegment struct) {
        return Pointers.get(struct, notify_update$OFFSET);
    }

    public static void notify_update(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, notify_update$OFFSET, value);
    }

    public static MemorySegment flush_resources(MemorySegment struct) {
        return Pointers.get(struct, flush_resources$OFFSET);
    }

    public static void flush_resources(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, flush_resources$OFFSET, value);
    }

    public static MemorySegment async_complete(MemorySegment struct) {
        return Pointers.get(struct, async_complete$OFFSET);
    }

    public static void async_complete(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, async_complete$OFFSET, value);
    }

    public static MemorySegment update_area_complete(MemorySegment struct) {
        return Pointers.get(struct, update_area_complete$OFFSET);
    }

    public static void update_area_complete(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, update_area_complete$OFFSET, value);
    }

    public static MemorySegment set_client_capabilities(MemorySegment struct) {
        return Pointers.get(struct, set_client_capabilities$OFFSET);
    }

    public static void set_client_capabilities(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, set_client_capabilities$OFFSET, value);
    }

    public static MemorySegment client_monitors_config(MemorySegment struct) {
        return Pointers.get(struct, client_monitors_config$OFFSET);
    }

    public static void client_monitors_config(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, client_monitors_config$OFFSET, value);
    }
}
