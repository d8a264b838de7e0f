package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL with Debian's QEMU ({@code -spice ...,sasl=on}, application name "qemu"), Cyrus SASL configured through
 * SASL_CONF_PATH (qemu.conf: mech_list scram-sha-256 digest-md5 plain, a sasldb made with saslpasswd2), and a real
 * spice-gtk client, the reference library and ours in turn under the same harness. On plain TCP both offer
 * DIGEST-MD5 only (the reference asks for a security layer of SSF 56 at least, and SCRAM and PLAIN have none), so
 * every session here runs through DIGEST-MD5's layer (SSF 128). The right password gets the display's primary
 * surface; a wrong one an authentication error, after which QEMU still runs and the next client gets in; a raw
 * client sees the same mechanism list from both, and both close on a mechanism name longer than 100 bytes.
 */
class QemuSaslIT {
    static final Path CLIENT = Path.of("../scripts/spice-sasl-client.py").toAbsolutePath();
    static final Path SASLPASSWD2 = Path.of("/usr/sbin/saslpasswd2");
    static final Path DIGEST_MD5 = Path.of("/usr/lib/x86_64-linux-gnu/sasl2/libdigestmd5.so.2");
    static final String USER = "alice";
    static final String PASSWORD = "s3cret-Pass";
    static final Pattern PRIMARY = Pattern.compile("primary (\\d+x\\d+)");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    /** A SASL configuration directory: qemu.conf and its sasldb with one user. */
    Path saslConfig() throws Exception {
        Peers.require(Files.isExecutable(SASLPASSWD2), "saslpasswd2 (sasl2-bin)");
        Peers.requireFile(DIGEST_MD5, "Cyrus SASL's DIGEST-MD5 plugin (libsasl2-modules)");
        Path dir = Files.createDirectories(work.resolve("sasl"));
        Path db = dir.resolve("passwd.db");
        Process p = new ProcessBuilder(SASLPASSWD2.toString(), "-p", "-f", db.toString(), "-a", "qemu", "-c", USER)
                .redirectErrorStream(true).start();
        p.getOutputStream().write(PASSWORD.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, "saslpasswd2: " + out);
        Files.writeString(dir.resolve("qemu.conf"), "mech_list: scram-sha-256 digest-md5 plain\nsasldb_path: " + db
                + "\n");
        return dir;
    }

    record Client(int exit, String output) {
        String primary() {
            Matcher m = PRIMARY.matcher(output);
            return m.find() ? m.group(1) : null;
        }
    }

    Client client(int port, String password) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", CLIENT.toString(), String.valueOf(port), USER, password,
                "--timeout", "25").redirectErrorStream(true).start();
        started.add(p);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(40, TimeUnit.SECONDS), "client did not end: " + out);
        return new Client(p.exitValue(), out);
    }

    /** What one side did. */
    record Outcome(String mechanisms, int replyCaps, byte[] replyKey, Client good, Client bad, Client again,
                   String stderr) {
    }

    Outcome side(boolean ours, Path sasl) throws Exception {
        Path dir = Files.createDirectories(work.resolve(ours ? "ours" : "reference"));
        int port = QemuBridgeIT.freePort();
        List<String> command = List.of(Peers.QEMU.toString(), "-machine", "accel=tcg", "-display", "none",
                "-nodefaults", "-vga", "qxl", "-m", "128", "-spice", "port=" + port + ",addr=127.0.0.1,sasl=on",
                "-qmp", "unix:" + QemuBridgeIT.qmpSocket(dir) + ",server=on,wait=off");
        QemuBridgeIT.Run run = QemuBridgeIT.launch(dir, started, ours, command, port, "SASL_CONF_PATH",
                sasl.toString());
        String who = ours ? "ours: " : "reference: ";
        String spice = QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-spice\"}");
        assertTrue(spice.contains("\"auth\": \"sasl\""), who + spice);

        Probe probe;
        try (RawSpiceClient raw = new RawSpiceClient(port)) {
            probe = mechanisms(raw);
            raw.out.write(le(101)); // a mechanism name longer than the reference's 100 bytes
            assertArrayEquals(new byte[0], untilClosed(raw.in), who + "closed without a word");
        }
        Client good = client(port, PASSWORD);
        Client bad = client(port, "wrong");
        String status = QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-status\"}");
        assertTrue(status.contains("\"running\""), who + "QEMU runs after a failed login: " + status);
        Client again = client(port, PASSWORD);
        QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"quit\"}");
        assertEquals(0, QemuBridgeIT.waitExit(run.process()), who + Files.readString(run.stderr()));
        return new Outcome(probe.mechanisms(), probe.caps(), probe.key(), good, bad, again,
                Files.readString(run.stderr()));
    }

    record Probe(String mechanisms, int caps, byte[] key) {
    }

    static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    /** Links a main channel offering SASL, chooses it, and reads the server's mechanism list. */
    static Probe mechanisms(RawSpiceClient raw) throws Exception {
        int caps = 1 << 0 | 1 << 2 | 1 << 3; // auth selection, SASL, mini header
        ByteBuffer m = RawSpiceClient.le(16 + 18 + 4);
        m.putInt(RawSpiceClient.MAGIC).putInt(2).putInt(2).putInt(18 + 4);
        m.putInt(0).put((byte) 1).put((byte) 0).putInt(1).putInt(0).putInt(18).putInt(caps);
        raw.out.write(m.array());
        ByteBuffer header = ByteBuffer.wrap(raw.read(16)).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer reply = ByteBuffer.wrap(raw.read(header.getInt(12))).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, reply.getInt(0), "link reply OK");
        byte[] key = new byte[162];
        reply.get(4, key);
        int serverCaps = reply.getInt(reply.getInt(174));
        raw.out.write(le(2)); // SPICE_COMMON_CAP_AUTH_SASL
        int length = ByteBuffer.wrap(raw.read(4)).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        assertTrue(length > 0 && length < 300, "mechanism list length " + length);
        return new Probe(new String(raw.read(length), StandardCharsets.US_ASCII), serverCaps, key);
    }

    /** Everything the server sends until it closes the connection (a read timeout fails the test). */
    static byte[] untilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1024];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void digestMd5WithItsSecurityLayerAsWithTheReference() throws Exception {
        Peers.reference();
        Peers.clients();
        Path sasl = saslConfig();
        Outcome reference = side(false, sasl);
        Outcome ours = side(true, sasl);
        for (Outcome o : List.of(reference, ours)) {
            String who = (o == ours ? "ours: " : "reference: ");
            System.out.println(who + "mechanisms " + o.mechanisms() + "; right password: " + o.good().primary()
                    + "; wrong: exit " + o.bad().exit() + "; next client: " + o.again().primary());
            assertEquals(",DIGEST-MD5,", o.mechanisms(), who + "plain TCP: only a mechanism with a security layer");
            assertEquals(1 << 0 | 1 << 2 | 1 << 3, o.replyCaps(), who + "auth selection, SASL, mini header");
            assertArrayEquals(new byte[162], o.replyKey(), who + "no RSA key for a SASL client");
            assertEquals(0, o.good().exit(), who + o.good().output());
            assertTrue(o.good().primary() != null, who + "primary surface: " + o.good().output());
            assertEquals(2, o.bad().exit(), who + o.bad().output());
            assertTrue(o.bad().output().contains("MainChannel error-auth"), who + o.bad().output());
            assertEquals(0, o.again().exit(), who + "the next client gets in: " + o.again().output());
            assertTrue(o.again().primary() != null, who + o.again().output());
        }
        assertEquals(reference.good().primary(), ours.good().primary(), "the same primary surface");
        assertTrue(ours.stderr().contains("authenticated with DIGEST-MD5 (security layer SSF 128)"),
                "our session ran through the layer: " + ours.stderr());
    }
}
