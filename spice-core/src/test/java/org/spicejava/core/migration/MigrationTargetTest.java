package org.spicejava.core.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/**
 * The destination a source tells its clients of, byte for byte as Debian's reference library sent it to a raw main
 * channel after QMP client_migrate_info (MIGRATE_BEGIN and MIGRATE_SWITCH_HOST have the same layout), and which
 * targets the reference refuses.
 */
class MigrationTargetTest {
    private static String hex(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    @Test
    void plainPortAndNoTlsPortAsQemuPassesIt() {
        // client_migrate_info hostname=127.0.0.1 port=41263 (no tls-port: QEMU passes -1, sent as 0xffff)
        MigrationTarget t = MigrationTarget.of("127.0.0.1", 0xa12f, -1, null);
        assertEquals("2fa1ffff0a0000001400000000000000000000003132372e302e302e3100", hex(t.dstInfo()));
    }

    @Test
    void tlsPortAndCertificateSubject() {
        MigrationTarget t = MigrationTarget.of("127.0.0.1", 0xc879, 5999, "C=XX,O=Test");
        assertEquals("79c86f170a000000140000000c0000001e0000003132372e302e302e3100433d58582c4f3d5465737400",
                hex(t.dstInfo()));
    }

    @Test
    void anEmptyHostIsSentAsItsTerminatorAlone() {
        MigrationTarget t = MigrationTarget.of("", 0x8765, -1, null);
        assertEquals("6587ffff0100000014000000000000000000000000", hex(t.dstInfo()));
    }

    @Test
    void portsKeepTheirLow16Bits() {
        MigrationTarget t = MigrationTarget.of("127.0.0.1", 70000, -1, null);
        assertEquals("7011ffff", hex(t.dstInfo()).substring(0, 8));
    }

    @Test
    void seamlessBeginCarriesTheSourceVersionBeforeTheStrings() {
        MigrationTarget t = MigrationTarget.of("h", 1, 2, null);
        // DstInfo's fixed part, src_mig_version, then the host at offset 24
        assertEquals("0100020002000000180000000000000000000000" + "01000000" + "6800",
                hex(t.dstInfo(1)));
    }

    @Test
    void noPortAtAllOrNoHostIsRefused() {
        assertNull(MigrationTarget.of("127.0.0.1", -1, -1, null));
        assertNull(MigrationTarget.of(null, 5900, -1, null));
        assertNotNull(MigrationTarget.of("127.0.0.1", -1, 5901, null));
        assertNotNull(MigrationTarget.of("127.0.0.1", 0, -1, ""));
    }

    @Test
    void anEmptyCertificateSubjectIsSentAsOne() {
        // The reference sends any subject it was given, an empty one as its terminator (QEMU passes NULL for none).
        MigrationTarget t = MigrationTarget.of("h", 1, -1, "");
        assertEquals("0100ffff02000000140000000100000016000000" + "6800" + "00", hex(t.dstInfo()));
    }
}
