package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code vpx_codec_ctx_t} (libvpx's vpx/vpx_codec.h): one encoder or decoder instance. The caller owns the memory
 * (vpx_codec_enc_init_ver fills it, vpx_codec_destroy frees what it points to); the fields are the library's. The
 * {@code config} union of three pointers is one address here. Proven against the installed header by
 * VpxLayoutTest.
 */
public final class VpxCodecCtx {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ADDRESS.withName("name"),
            ADDRESS.withName("iface"),
            JAVA_INT.withName("err"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("err_detail"),
            JAVA_LONG.withName("init_flags"),
            ADDRESS.withName("config"),
            ADDRESS.withName("priv")).withName("vpx_codec_ctx_t");
    public static final long name$OFFSET = 0;
    public static final long iface$OFFSET = 8;
    public static final long err$OFFSET = 16;
    public static final long err_detail$OFFSET = 24;
    public static final long init_flags$OFFSET = 32;
    public static final long config$OFFSET = 40;
    public static final long priv$OFFSET = 48;

    private VpxCodecCtx() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int err(MemorySegment struct) {
        return struct.get(JAVA_INT, err$OFFSET);
    }

    public static MemorySegment err_detail(MemorySegment struct) {
        return Pointers.get(struct, err_detail$OFFSET);
    }
}
