package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spicevmc char devices of Debian's QEMU (no guest: TCG, no display, no default devices), differential: each
 * step runs against the reference library and ours in the same test, and what the client sees must match.
 * <ul>
 * <li>a spiceport carrying QMP (org.qemu.monitor.qmp.0): PORT_INIT with the name and the monitor's open state,
 * the greeting, answers to qmp_capabilities and query-status, and query-qmp-schema's large answer LZ4-compressed;
 * <li>usbredir into QEMU's usb-redir: its hello comes out, ours goes in (LZ4-compressed) and QEMU answers it with
 * the device filter it was given;
 * <li>smartcard into ccid-card-passthru: VSC Init and ReaderAdd, ATRs good and bad, CardRemove, ReaderRemove, each
 * answered by the card's VSC_Error with the reader id the server assigns;
 * <li>the same QMP through spice-gtk's PortChannel (scripts/spice-port-client.py);
 * <li>channel types and ids for two usbredir devices, two ports, the WebDAV port and a smartcard;
 * <li>a port added and removed through QMP while a client is connected: announced, then its channel ends;
 * <li>a client that floods a port and never reads: QEMU's other monitor and the usbredir channel go on.
 * </ul>
 */
class QemuVmcIT {
    static final String QMP_PORT = "org.qemu.monitor.qmp.0";
    static final int PORT = 10;
    static final int USBREDIR = 9;
    static final int SMARTCARD = 8;
    static final int CAP_LZ4 = 1;

    @TempDir
    Path work;
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void peers() {
        Peers.qemu();
        Peers.reference();
    }

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    /** Starts QEMU with {@code devices} and waits until it answers QMP (so SPICE listens too). */
    private QemuBridgeIT.Run qemu(String who, boolean ours, String... devices) throws Exception {
        Path dir = Files.createDirectories(work.resolve(who + "-" + started.size()));
        int port = QemuBridgeIT.freePort();
        List<String> command = new ArrayList<>(List.of(QemuBridgeIT.QEMU.toString(), "-machine", "accel=tcg",
                "-display", "none", "-nodefaults", "-vga", "none", "-m", "128",
                "-spice", "port=" + port + ",addr=127.0.0.1,disable-ticketing=on",
                "-qmp", "unix:" + QemuBridgeIT.qmpSocket(dir) + ",server=on,wait=off"));
        command.addAll(List.of(devices));
        QemuBridgeIT.Run run = QemuBridgeIT.launch(dir, started, ours, command, port);
        QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-status\"}");
        return run;
    }

    /** Ends QEMU; ours must not have logged a Java exception. */
    private static void end(QemuBridgeIT.Run run, boolean ours) throws Exception {
        run.process().destroy();
        run.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        String err = stderr(run);
        assertFalse(ours && (err.contains("Exception") || err.contains("\tat ")), "Java exception in QEMU's stderr:\n"
                + err);
    }

    private static String stderr(QemuBridgeIT.Run run) throws Exception {
        return Files.readString(run.stderr());
    }

    // ---------------------------------------------------------------- QMP over a spiceport

    /**
     * What a client saw: PORT_INIT's body, the greeting, the answers, and of query-qmp-schema's answer how much
     * came ({@code schema}, complete when it ends a line) and whether it came LZ4-compressed.
     */
    record QmpTranscript(byte[] portInit, String greeting, String capabilities, String status, String schema,
                         boolean schemaCompressed) {
        boolean schemaComplete() {
            return schema.endsWith("\r\n");
        }
    }

    private QmpTranscript qmpOverPort(boolean ours) throws Exception {
        QemuBridgeIT.Run run = qemu(ours ? "qmp-ours" : "qmp-reference", ours,
                "-chardev", "spiceport,id=qmpport,name=" + QMP_PORT, "-mon", "chardev=qmpport,mode=control");
        try (RawVmcSession session = new RawVmcSession(run.port())) {
            assertTrue(session.lists(PORT, 0), "CHANNELS_LIST has the port channel");
            RawVmcSession.Channel ch = session.link(PORT, 0, CAP_LZ4);
            assertEquals(RawVmcSession.MSG_PORT_INIT, ch.next(), "PORT_INIT comes first");
            ByteBuffer init = (ByteBuffer) ch.others.get(0)[1];
            byte[] portInit = new byte[init.remaining()];
            init.get(0, portInit);
            ch.send(RawVmcSession.MSGC_PORT_EVENT, new byte[] {0}); // the client opens the port
            String greeting = ch.readUntil(t -> t.endsWith("\r\n"));
            ch.consume();
            ch.sendText("{\"execute\":\"qmp_capabilities\"}\n");
            String caps = ch.readUntil(t -> t.endsWith("\r\n"));
            ch.consume();
            ch.sendText("{\"execute\":\"query-status\"}\n");
            String status = ch.readUntil(t -> t.endsWith("\r\n"));
            ch.consume();
            int before = ch.types.size();
            ch.sendText("{\"execute\":\"query-qmp-schema\"}\n");
            ch.client.socket.setSoTimeout(5000);
            try {
                ch.readUntil(t -> t.endsWith("\r\n"));
            } catch (java.net.SocketTimeoutException e) {
                // the answer stopped coming: the transcript says how much came
            }
            boolean compressed = ch.types.subList(before, ch.types.size()).contains(RawVmcSession.MSG_COMPRESSED_DATA);
            return new QmpTranscript(portInit, greeting, caps, status, ch.text(), compressed);
        } catch (Throwable t) {
            throw new AssertionError((ours ? "ours" : "reference") + ": " + t + "\nQEMU stderr:\n" + stderr(run), t);
        } finally {
            end(run, ours);
        }
    }

    /**
     * The reference reads one piece of at most 64 KiB + 32 per wakeup and reads again only when data comes back
     * below its queue limit, while QEMU offers the rest of a chardev write only after the server read once more:
     * query-qmp-schema's answer (about 200 KB) stops after its first pieces with the reference. Ours reads on
     * until QEMU has nothing more, so the whole answer arrives; what arrives from both must be the same bytes.
     */
    @Test
    void qmpOverASpicePort() throws Exception {
        QmpTranscript reference = qmpOverPort(false);
        QmpTranscript ours = qmpOverPort(true);
        byte[] name = (QMP_PORT + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] expectedInit = ByteBuffer.allocate(9 + name.length).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(name.length).putInt(9).put((byte) 1).put(name).array();
        assertArrayEquals(expectedInit, reference.portInit(), "the reference's PORT_INIT, as we read the protocol");
        for (QmpTranscript t : List.of(reference, ours)) {
            assertTrue(t.greeting().startsWith("{\"QMP\": {\"version\""), t.greeting());
            assertEquals("{\"return\": {}}\r\n", t.capabilities());
            assertTrue(t.status().contains("\"status\": \"running\""), t.status());
            assertTrue(t.schemaCompressed(), "query-qmp-schema's answer comes LZ4-compressed");
            assertTrue(t.schema().startsWith("{\"return\": ["), t.schema().substring(0, 100));
        }
        assertArrayEquals(reference.portInit(), ours.portInit());
        assertEquals(reference.greeting(), ours.greeting());
        assertEquals(reference.status(), ours.status());
        assertTrue(ours.schemaComplete(), "ours delivers the whole answer: " + ours.schema().length() + " bytes");
        assertTrue(ours.schema().startsWith(reference.schema()), "the same bytes as far as the reference got");
        System.out.printf("QemuVmcIT: query-qmp-schema answer: reference %d bytes (%s), ours %d bytes (complete)%n",
                reference.schema().length(), reference.schemaComplete() ? "complete" : "stalled",
                ours.schema().length());
    }

    static final Path PORT_CLIENT = Path.of("../scripts/spice-port-client.py").toAbsolutePath();

    /** spice-gtk's PortChannel (scripts/spice-port-client.py) sends QMP {@code lines}; returns what it printed. */
    private List<String> gtkPort(boolean ours, String... lines) throws Exception {
        QemuBridgeIT.Run run = qemu(ours ? "gtk-ours" : "gtk-reference", ours,
                "-chardev", "spiceport,id=qmpport,name=" + QMP_PORT, "-mon", "chardev=qmpport,mode=control");
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", PORT_CLIENT.toString(),
                String.valueOf(run.port()), QMP_PORT, "--timeout", "30"));
        command.addAll(List.of(lines));
        Path log = run.stderr().resolveSibling("port-client.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(p);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "spice-port-client.py did not exit");
        List<String> out = Files.readAllLines(log);
        end(run, ours);
        assertEquals(0, p.exitValue(), (ours ? "ours: " : "reference: ") + out + "\nQEMU stderr:\n" + stderr(run));
        return out;
    }

    /** A real client: spice-gtk's PortChannel gets the port's name and state, the greeting and the answers. */
    @Test
    void qmpThroughSpiceGtkPortChannel() throws Exception {
        Peers.clients();
        String[] lines = {"{\"execute\":\"qmp_capabilities\"}", "{\"execute\":\"query-status\"}",
            "{\"execute\":\"query-version\"}"};
        List<String> reference = gtkPort(false, lines);
        List<String> ours = gtkPort(true, lines);
        assertEquals("init " + QMP_PORT + " opened=1", reference.get(0), reference.toString());
        assertTrue(reference.get(1).startsWith("greeting {\"QMP\""), reference.toString());
        assertEquals("reply 0 16 {\"return\": {}}", reference.get(2));
        assertTrue(reference.get(3).contains("\"status\": \"running\""), reference.toString());
        assertEquals(reference, ours);
        // The reference stalls on an answer this large (see qmpOverASpicePort); ours delivers it whole.
        List<String> schema = gtkPort(true, "{\"execute\":\"qmp_capabilities\"}",
                "{\"execute\":\"query-qmp-schema\"}", "{\"execute\":\"query-status\"}");
        assertTrue(schema.get(3).startsWith("reply 1 ") && Integer.parseInt(schema.get(3).split(" ")[2]) > 100_000,
                schema.toString());
        assertTrue(schema.get(4).contains("\"status\": \"running\""), schema.toString());
    }

    // ---------------------------------------------------------------- which channels, with which ids

    static final int WEBDAV = 11;

    /** The sorted channel list of a QEMU with several spicevmc devices, and the WebDAV channel's PORT_INIT. */
    private List<String> channelList(boolean ours) throws Exception {
        QemuBridgeIT.Run run = qemu(ours ? "list-ours" : "list-reference", ours,
                "-device", "qemu-xhci",
                "-chardev", "spicevmc,name=usbredir,id=ur1", "-device", "usb-redir,chardev=ur1",
                "-chardev", "spicevmc,name=usbredir,id=ur2", "-device", "usb-redir,chardev=ur2",
                "-chardev", "spiceport,id=qmpport,name=" + QMP_PORT, "-mon", "chardev=qmpport,mode=control",
                "-chardev", "spiceport,id=dav,name=org.spice-space.webdav.0",
                "-chardev", "spiceport,id=other,name=org.example.other",
                "-device", "usb-ccid", "-chardev", "spicevmc,id=ccid,name=smartcard",
                "-device", "ccid-card-passthru,chardev=ccid");
        List<String> seen = new ArrayList<>();
        try (RawVmcSession session = new RawVmcSession(run.port())) {
            seen.add(session.channels.stream().filter(c -> c[0] >= SMARTCARD).map(c -> c[0] + ":" + c[1]).sorted()
                    .toList().toString());
            RawVmcSession.Channel dav = session.link(WEBDAV, 0, CAP_LZ4);
            assertEquals(RawVmcSession.MSG_PORT_INIT, dav.next());
            ByteBuffer init = (ByteBuffer) dav.others.get(0)[1];
            byte[] body = new byte[init.remaining()];
            init.get(0, body);
            seen.add("webdav init: " + new String(body, 9, body.length - 10, StandardCharsets.US_ASCII) + " opened="
                    + body[8]);
            return seen;
        } catch (Throwable t) {
            throw new AssertionError((ours ? "ours" : "reference") + ": " + t + " after " + seen
                    + "\nQEMU stderr:\n" + stderr(run), t);
        } finally {
            end(run, ours);
        }
    }

    @Test
    void eachDeviceGetsTheReferencesChannelAndId() throws Exception {
        List<String> reference = channelList(false);
        List<String> ours = channelList(true);
        assertEquals(List.of("[10:0, 10:1, 11:0, 8:0, 9:0, 9:1]", "webdav init: org.spice-space.webdav.0 opened=0"),
                reference);
        assertEquals(reference, ours);
    }

    // ---------------------------------------------------------------- a port added and removed at run time

    /** What a connected client sees of a spiceport QMP adds and removes: the announcement, PORT_INIT, the end. */
    private List<String> hotPlug(boolean ours) throws Exception {
        QemuBridgeIT.Run run = qemu(ours ? "hot-ours" : "hot-reference", ours);
        List<String> seen = new ArrayList<>();
        try (RawVmcSession session = new RawVmcSession(run.port())) {
            seen.add("before: " + session.lists(PORT, 0));
            QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"chardev-add\",\"arguments\":{\"id\":\"hot\","
                    + "\"backend\":{\"type\":\"spiceport\",\"data\":{\"fqdn\":\"org.example.hot\"}}}}");
            List<int[]> announced = session.laterLists.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(announced != null, "no CHANNELS_LIST for the new port");
            seen.add("announced: " + announced.stream().map(c -> c[0] + ":" + c[1]).toList());
            RawVmcSession.Channel ch = session.link(PORT, 0, 0);
            assertEquals(RawVmcSession.MSG_PORT_INIT, ch.next());
            ByteBuffer init = (ByteBuffer) ch.others.get(0)[1];
            byte[] body = new byte[init.remaining()];
            init.get(0, body);
            seen.add("init: " + HexFormat.of().formatHex(body));
            QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"chardev-remove\",\"arguments\":{\"id\":\"hot\"}}");
            try {
                while (true) {
                    ch.next();
                }
            } catch (java.io.IOException e) {
                seen.add("after removal: " + (e instanceof java.net.SocketTimeoutException ? "still open" : "closed"));
            }
            return seen;
        } catch (Throwable t) {
            throw new AssertionError((ours ? "ours" : "reference") + ": " + t + " after " + seen
                    + "\nQEMU stderr:\n" + stderr(run), t);
        } finally {
            end(run, ours);
        }
    }

    @Test
    void aPortAddedAtRunTimeIsAnnouncedAndItsRemovalEndsTheChannel() throws Exception {
        List<String> reference = hotPlug(false);
        List<String> ours = hotPlug(true);
        assertEquals(List.of("before: false", "announced: [10:0]"), reference.subList(0, 2), reference.toString());
        assertEquals(reference, ours);
        System.out.println("QemuVmcIT: hot-plugged port reference " + reference + ", ours " + ours);
    }

    // ---------------------------------------------------------------- a client that stops reading

    /**
     * A client floods QMP over the port and never reads the answers: QEMU's other monitor still answers at once,
     * and the usbredir channel of the same session still says hello. Returns the QMP answer and the hello's type.
     */
    private List<String> stalledPortClient(boolean ours) throws Exception {
        QemuBridgeIT.Run run = qemu(ours ? "stall-ours" : "stall-reference", ours,
                "-chardev", "spiceport,id=qmpport,name=" + QMP_PORT, "-mon", "chardev=qmpport,mode=control",
                "-device", "qemu-xhci", "-chardev", "spicevmc,name=usbredir,id=ur1", "-device", "usb-redir,chardev=ur1");
        List<String> seen = new ArrayList<>();
        try (RawVmcSession session = new RawVmcSession(run.port())) {
            RawVmcSession.Channel port = session.link(PORT, 0, 0, 4096);
            port.sendText("{\"execute\":\"qmp_capabilities\"}\n");
            for (int i = 0; i < 30; i++) {
                port.sendText("{\"execute\":\"query-qmp-schema\"}\n");
            }
            Thread.sleep(2000);
            long t0 = System.nanoTime();
            String status = QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-status\"}");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 5000, "QMP took " + ms + " ms");
            seen.add("qmp running: " + status.contains("\"running\": true"));
            RawVmcSession.Channel usb = session.link(USBREDIR, 0, 0);
            seen.add("usbredir hello type: " + ByteBuffer.wrap(usb.readBytes(12)).order(ByteOrder.LITTLE_ENDIAN)
                    .getInt(0));
            return seen;
        } catch (Throwable t) {
            throw new AssertionError((ours ? "ours" : "reference") + ": " + t + " after " + seen
                    + "\nQEMU stderr:\n" + stderr(run), t);
        } finally {
            end(run, ours);
        }
    }

    @Test
    void aClientThatStopsReadingHoldsBackOnlyItsPort() throws Exception {
        List<String> reference = stalledPortClient(false);
        List<String> ours = stalledPortClient(true);
        assertEquals(List.of("qmp running: true", "usbredir hello type: 0"), reference);
        assertEquals(reference, ours);
    }

    // ---------------------------------------------------------------- usbredir

    /** usbredir: header u32 type, u32 length, u32 id (64-bit ids only once both hellos had the capability). */
    static final int HELLO = 0;
    static final int FILTER_FILTER = 23;
    static final int CAP_CONNECT_DEVICE_VERSION = 1;
    static final int CAP_FILTER = 2;
    static final int CAP_EP_INFO_MAX_PACKET_SIZE = 4;
    static final int CAP_64BITS_IDS = 5;
    static final int CAP_32BITS_BULK_LENGTH = 6;
    static final String FILTER = "-1:-1:-1:-1:1";

    record UsbTranscript(String qemuVersion, int qemuCaps, String filter) {
    }

    private UsbTranscript usbredir(boolean ours) throws Exception {
        QemuBridgeIT.Run run = qemu(ours ? "usb-ours" : "usb-reference", ours,
                "-device", "qemu-xhci", "-chardev", "spicevmc,name=usbredir,id=ur1",
                "-device", "usb-redir,chardev=ur1,filter=" + FILTER);
        try (RawVmcSession session = new RawVmcSession(run.port())) {
            assertTrue(session.lists(USBREDIR, 0), "CHANNELS_LIST has the usbredir channel");
            RawVmcSession.Channel ch = session.link(USBREDIR, 0, CAP_LZ4);
            ByteBuffer hello = ByteBuffer.wrap(ch.readBytes(12)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(HELLO, hello.getInt(0), "QEMU's usb-redir says hello first");
            int length = hello.getInt(4);
            hello = ByteBuffer.wrap(ch.readBytes(12 + length)).order(ByteOrder.LITTLE_ENDIAN);
            byte[] version = new byte[64];
            hello.get(12, version);
            String qemuVersion = new String(version, StandardCharsets.US_ASCII).replace("\0", "");
            int qemuCaps = hello.getInt(12 + 64);
            ch.consume();

            // Our hello, as the usbredir host side: compressed, so the server's LZ4 path is crossed too.
            int caps = 1 << CAP_CONNECT_DEVICE_VERSION | 1 << CAP_FILTER | 1 << CAP_EP_INFO_MAX_PACKET_SIZE
                    | 1 << CAP_64BITS_IDS | 1 << CAP_32BITS_BULK_LENGTH;
            byte[] ours64 = new byte[64];
            byte[] text = "spice-java QemuVmcIT".getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(text, 0, ours64, 0, text.length);
            ch.sendCompressed(ByteBuffer.allocate(12 + 68).order(ByteOrder.LITTLE_ENDIAN).putInt(HELLO).putInt(68)
                    .putInt(0).put(ours64).putInt(caps).array());

            // Both sides have 64-bit ids now: the header is u32 type, u32 length, u64 id.
            ByteBuffer filter = ByteBuffer.wrap(ch.readBytes(16)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(FILTER_FILTER, filter.getInt(0), "QEMU answers our hello with its filter");
            int n = filter.getInt(4);
            filter = ByteBuffer.wrap(ch.readBytes(16 + n));
            byte[] rules = new byte[n];
            filter.get(16, rules);
            return new UsbTranscript(qemuVersion, qemuCaps, new String(rules, StandardCharsets.US_ASCII));
        } catch (Throwable t) {
            throw new AssertionError((ours ? "ours" : "reference") + ": " + t + "\nQEMU stderr:\n" + stderr(run), t);
        } finally {
            end(run, ours);
        }
    }

    @Test
    void usbredirHellosBothWays() throws Exception {
        UsbTranscript reference = usbredir(false);
        UsbTranscript ours = usbredir(true);
        assertTrue(reference.qemuVersion().startsWith("qemu usb-redir guest"), reference.qemuVersion());
        assertTrue(reference.filter().startsWith("-1,-1,-1,-1,1"), reference.filter());
        assertEquals(reference, ours);
        System.out.println("QemuVmcIT: usbredir reference " + reference + ", ours " + ours);
    }

    // ---------------------------------------------------------------- smartcard

    static final int VSC_INIT = 1;
    static final int VSC_ERROR = 2;
    static final int VSC_READER_ADD = 3;
    static final int VSC_READER_REMOVE = 4;
    static final int VSC_ATR = 5;
    static final int VSC_CARD_REMOVE = 6;
    static final int UNDEFINED_READER = 0xffffffff;
    /** ccid-card-passthru's own default ATR (an Athena card): it passes QEMU's ATR check. */
    static final byte[] ATR = {0x3B, (byte) 0xD5, 0x18, (byte) 0xFF, (byte) 0x80, (byte) 0x91, (byte) 0xFE, 0x1F,
        (byte) 0xC3, (byte) 0x80, 0x73, (byte) 0xC8, 0x21, 0x13, 0x08};

    static byte[] vsc(int type, int readerId, byte[] payload) {
        return ByteBuffer.allocate(12 + payload.length).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(readerId)
                .putInt(payload.length).put(payload).array();
    }

    /** Sends one VSC message; returns the hex of each SMARTCARD_DATA answer that arrives before the next step. */
    private static String step(RawVmcSession.Channel ch, byte[] message, int answers) throws Exception {
        ch.send(101, message);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < answers; i++) {
            Object[] m = ch.client.message();
            ByteBuffer body = (ByteBuffer) m[1];
            byte[] b = new byte[body.remaining()];
            body.get(0, b);
            out.append(m[0]).append(':').append(HexFormat.of().formatHex(b)).append(' ');
        }
        return out.toString().trim();
    }

    private Map<String, String> smartcard(boolean ours) throws Exception {
        QemuBridgeIT.Run run = qemu(ours ? "ccid-ours" : "ccid-reference", ours,
                "-device", "qemu-xhci", "-device", "usb-ccid",
                "-chardev", "spicevmc,id=ccid,name=smartcard", "-device", "ccid-card-passthru,chardev=ccid");
        Map<String, String> answers = new LinkedHashMap<>();
        try (RawVmcSession session = new RawVmcSession(run.port())) {
            assertTrue(session.lists(SMARTCARD, 0), "CHANNELS_LIST has the smartcard channel");
            RawVmcSession.Channel ch = session.link(SMARTCARD, 0, 0);
            byte[] init = ByteBuffer.allocate(12).put("VSCD".getBytes(StandardCharsets.US_ASCII)).putInt(2)
                    .putInt(0).array();
            answers.put("init", step(ch, vsc(VSC_INIT, UNDEFINED_READER, init), 0));
            answers.put("reader-add", step(ch, vsc(VSC_READER_ADD, UNDEFINED_READER,
                    "spice-java reader\0".getBytes(StandardCharsets.US_ASCII)), 1));
            answers.put("atr", step(ch, vsc(VSC_ATR, 0, ATR), 1));
            answers.put("atr-too-long", step(ch, vsc(VSC_ATR, 0, new byte[41]), 1));
            answers.put("card-remove", step(ch, vsc(VSC_CARD_REMOVE, 0, new byte[0]), 1));
            answers.put("reader-remove", step(ch, vsc(VSC_READER_REMOVE, 0, new byte[0]), 1));
            answers.put("reader-remove-again", step(ch, vsc(VSC_READER_REMOVE, 0, new byte[0]), 1));
            return answers;
        } catch (Throwable t) {
            throw new AssertionError((ours ? "ours" : "reference") + ": " + t + " after " + answers
                    + "\nQEMU stderr:\n" + stderr(run), t);
        } finally {
            end(run, ours);
        }
    }

    @Test
    void smartcardReaderAndCard() throws Exception {
        Map<String, String> reference = smartcard(false);
        Map<String, String> ours = smartcard(true);
        String success = "101:" + HexFormat.of().formatHex(vsc(VSC_ERROR, 0, new byte[4]));
        assertEquals(success, reference.get("reader-add"), "the card answers ReaderAdd: " + reference);
        assertEquals(success, reference.get("atr"), reference.toString());
        assertEquals("101:" + HexFormat.of().formatHex(vsc(VSC_ERROR, 0, new byte[] {0, 0, 0, 1})),
                reference.get("atr-too-long"), "a general error, code in network order from the card");
        assertEquals("101:" + HexFormat.of().formatHex(vsc(VSC_ERROR, 0, new byte[] {1, 0, 0, 0})),
                reference.get("reader-remove-again"), "the server's own error, code little-endian");
        assertEquals(reference, ours);
        System.out.println("QemuVmcIT: smartcard reference " + reference + ", ours " + ours);
    }
}
