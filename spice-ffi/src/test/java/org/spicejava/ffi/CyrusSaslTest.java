package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spicejava.core.sasl.SaslException;
import org.spicejava.core.sasl.SaslServer;

/**
 * The Cyrus SASL binding against Debian's libsasl2 and its plugins, configured by a qemu.conf-like file of its
 * own: the mechanism list follows the security properties as the reference sets them, a DIGEST-MD5 exchange
 * starts with a challenge, bad client data and unknown mechanisms are errors with the library's words, the security
 * layer refuses work before authentication, and a context is disposed once. (QemuSaslIT runs whole exchanges and
 * the layer with spice-gtk.) A missing library is one log line and no SASL.
 */
class CyrusSaslTest {
    static final String APP = "spicejavatest";
    static final SaslServer.SecurityProperties PLAIN_TCP = new SaslServer.SecurityProperties(56, 100_000, 8192,
            SaslServer.NO_ANONYMOUS | SaslServer.NO_PLAINTEXT);
    static final SaslServer.SecurityProperties OVER_TLS = new SaslServer.SecurityProperties(0, 0, 8192, 0);

    @TempDir
    static Path conf;

    @BeforeAll
    static void configure() throws Throwable {
        Files.writeString(conf.resolve(APP + ".conf"), "mech_list: digest-md5 plain\nsasldb_path: "
                + conf.resolve("passwd.db") + "\n");
        // sasl_server_init reads SASL_CONF_PATH from the C environment.
        MethodHandle setenv = Native.libc("setenv", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0, (int) setenv.invokeExact(arena.allocateFrom("SASL_CONF_PATH"),
                    arena.allocateFrom(conf.toString()), 1));
        }
        assertTrue(CyrusSasl.library().init(APP));
    }

    static SaslServer server() throws SaslException {
        return CyrusSasl.library().newServer("spice", "127.0.0.1;5900", "127.0.0.1;41000");
    }

    @Test
    void plainTcpOffersOnlyMechanismsWithASecurityLayer() throws Exception {
        try (SaslServer server = server()) {
            server.setSecurityProperties(PLAIN_TCP);
            assertEquals(",DIGEST-MD5,", server.listMechanisms(",", ",", ","));
        }
        try (SaslServer server = server()) {
            server.setExternalSsf(256);
            server.setSecurityProperties(OVER_TLS);
            String list = server.listMechanisms(",", ",", ",");
            assertTrue(list.contains(",PLAIN,") && list.contains(",DIGEST-MD5,"), list);
        }
    }

    @Test
    void digestStartsWithAChallengeAndBadDataFails() throws Exception {
        try (SaslServer server = server()) {
            server.setSecurityProperties(PLAIN_TCP);
            SaslServer.Step start = server.start("DIGEST-MD5", null);
            assertEquals(SaslServer.CONTINUE, start.result());
            String challenge = new String(start.output(), StandardCharsets.US_ASCII);
            assertTrue(challenge.contains("nonce=\"") && challenge.contains("qop=\""), challenge);
            assertNull(server.username(), "nobody authenticated yet");
            SaslServer.Step step = server.step("not a digest response".getBytes(StandardCharsets.US_ASCII));
            assertTrue(step.result() < 0, "result " + step.result());
            assertFalse(server.errorDetail().isEmpty());
        }
    }

    @Test
    void unknownMechanismAndEarlyLayerUseAreErrors() throws Exception {
        try (SaslServer server = server()) {
            server.setSecurityProperties(PLAIN_TCP);
            assertTrue(server.start("GSSAPI-NOT-THERE", new byte[0]).result() < 0);
        }
        try (SaslServer server = server()) {
            SaslException e = assertThrows(SaslException.class, () -> server.encode(new byte[4], 0, 4));
            assertTrue(e.result() < 0, e.getMessage());
        }
    }

    @Test
    void aContextIsDisposedOnce() throws Exception {
        SaslServer server = server();
        server.close();
        server.close();
        assertThrows(IllegalStateException.class, () -> server.listMechanisms(",", ",", ","));
        assertNull(server.username());
    }

    @Test
    void aMissingLibraryMeansNoSasl() {
        CyrusSasl missing = new CyrusSasl("libsasl2-not-there.so.9");
        assertFalse(missing.init(APP));
        assertThrows(SaslException.class, () -> missing.newServer("spice", "a;1", "b;2"));
        assertNotNull(CyrusSasl.constants().get("SASL_SEC_PROPS"));
    }
}
