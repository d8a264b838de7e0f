package org.spicejava.core.migration;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where a migrating VM's clients are to go (the reference's RedsMigSpice): the destination's host, plain and TLS
 * ports (-1 for none, as QEMU passes a missing one) and the certificate subject a TLS client checks, or null.
 * Immutable; any thread.
 */
public record MigrationTarget(String host, int port, int securePort, String certSubject) {
    /** Size of SpiceMigrationDstInfo's fixed part: u16 port, u16 sport, u32 host_size, host ptr, cert size, cert ptr. */
    static final int DST_INFO_FIXED = 20;

    /** The target, or null when the reference refuses it: no host, or neither port (reds_set_migration_dest_info). */
    public static MigrationTarget of(String host, int port, int securePort, String certSubject) {
        if (host == null || (port == -1 && securePort == -1)) {
            return null;
        }
        return new MigrationTarget(host, port, securePort, certSubject);
    }

    /** The body of MIGRATE_BEGIN and of MIGRATE_SWITCH_HOST, which share this layout. */
    public ByteBuffer dstInfo() {
        return encode(false, 0);
    }

    /** The body of MIGRATE_BEGIN_SEAMLESS: DstInfo, then the source's migration protocol version. */
    public ByteBuffer dstInfo(int sourceVersion) {
        return encode(true, sourceVersion);
    }

    /**
     * Ports are u16 on the wire: the reference stores them as int and sends the low 16 bits (-1 becomes 0xffff).
     * The strings follow the fixed part, NUL-terminated with the NUL counted; pointers are offsets from the start
     * of the body, 0 for an absent subject.
     */
    private ByteBuffer encode(boolean withVersion, int sourceVersion) {
        byte[] hostBytes = cString(host);
        byte[] certBytes = certSubject == null ? null : cString(certSubject);
        int fixed = DST_INFO_FIXED + (withVersion ? 4 : 0);
        int size = fixed + hostBytes.length + (certBytes == null ? 0 : certBytes.length);
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) port).putShort((short) securePort);
        b.putInt(hostBytes.length).putInt(fixed);
        b.putInt(certBytes == null ? 0 : certBytes.length).putInt(certBytes == null ? 0 : fixed + hostBytes.length);
        if (withVersion) {
            b.putInt(sourceVersion);
        }
        b.put(hostBytes);
        if (certBytes != null) {
            b.put(certBytes);
        }
        return b.flip();
    }

    /** UTF-8 up to the first NUL (what strlen sees), then one NUL. */
    private static byte[] cString(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        int end = 0;
        while (end < utf8.length && utf8[end] != 0) {
            end++;
        }
        return Arrays.copyOf(utf8, end + 1);
    }
}
