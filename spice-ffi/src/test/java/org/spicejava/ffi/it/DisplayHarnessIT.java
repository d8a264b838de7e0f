package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The C display harness (a fake QXL device in the way QEMU's "-vga std" drives the server) against real spice-gtk
 * clients. The harness draws known patterns in every bitmap format the reference accepts, a solid fill, copy-bits,
 * a moving square and cursor commands, and writes the image it expects. Checked, pixel-exactly:
 * spicy-screenshot's image (first client), a second spicy-screenshot, the primary surface memory the server drew
 * into (after update_area), and the image a connected gi client holds after a second set of patterns drawn while
 * it watches; the cursor events that client saw; every command released exactly once after a device reset.
 */
class DisplayHarnessIT {
    static final Path HARNESS = Path.of(System.getProperty("native.build.dir", "../native-headers/build"),
            "display_harness");
    static final Path CLIENT = Path.of("../scripts/spice-display-client.py").toAbsolutePath();
    static final Path SCREENSHOT = Path.of("/usr/bin/spicy-screenshot");
    /** One harness run per library (a Run, or the Throwable it failed with), shared by the tests. */
    static final Map<Boolean, Object> RUNS = new HashMap<>();

    /** What one harness run produced. */
    record Run(Path dir, List<String> host, String clientOutput, List<String> cursorEvents) {
        Path file(String name) {
            return dir.resolve(name);
        }
    }

    static void assumeClients() {
        Peers.clients();
    }

    static Process startHarness(boolean ours, Path dir, int port, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(HARNESS.toAbsolutePath().toString(), String.valueOf(port),
                dir.resolve("expected.ppm").toString());
        pb.redirectOutput(dir.resolve("host.txt").toFile()).redirectError(dir.resolve("host-err.txt").toFile());
        QemuBridgeIT.withLibrary(pb, ours);
        pb.environment().putAll(env);
        return pb.start();
    }

    static void awaitLine(Process host, Path out, String prefix, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (Files.readAllLines(out).stream().noneMatch(l -> l.startsWith(prefix))) {
            if (!host.isAlive() || System.nanoTime() > deadline) {
                fail("no '" + prefix + "' from the harness (alive=" + host.isAlive() + "):\n"
                        + Files.readString(out) + Files.readString(out.resolveSibling("host-err.txt")));
            }
            Thread.sleep(20);
        }
    }

    /** Runs a client to its end (killed after {@code seconds}); returns what it printed. */
    static String runClient(List<String> command, int seconds) throws Exception {
        Path out = Files.createTempFile("display-client", ".txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            boolean ended = p.waitFor(seconds, TimeUnit.SECONDS);
            String text = Files.readString(out);
            assertTrue(ended, "client did not finish within " + seconds + " s: " + command + "\n" + text);
            return text;
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }

    /**
     * One harness run with three clients in turn: spicy-screenshot, spicy-screenshot again, then the gi client,
     * during whose connection the harness draws its live patterns. Then a device reset and the release count.
     */
    static synchronized Run run(boolean ours) throws Exception {
        assumeClients();
        Object cached = RUNS.get(ours);
        if (cached == null) {
            try {
                cached = runOnce(ours);
            } catch (Exception | AssertionError e) {
                cached = e;
            }
            RUNS.put(ours, cached);
        }
        if (cached instanceof Exception e) {
            throw e;
        }
        if (cached instanceof AssertionError e) {
            throw e;
        }
        return (Run) cached;
    }

    static Run runOnce(boolean ours) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "display-it", ours ? "ours" : "reference"))
                .toAbsolutePath();
        for (String f : new String[] {"expected.ppm", "surface.ppm", "live.ppm", "shot1.ppm", "shot2.ppm",
                "live-client.ppm", "host.txt", "host-err.txt", "trace.txt"}) {
            Files.deleteIfExists(dir.resolve(f));
        }
        int port = QemuBridgeIT.freePort();
        Process host = startHarness(ours, dir, port, Map.of("HARNESS_SECONDS", "60",
                "HARNESS_SURFACE_PPM", dir.resolve("surface.ppm").toString(),
                "HARNESS_LIVE_PPM", dir.resolve("live.ppm").toString(), "HARNESS_LIVE_AFTER", "3"));
        Path hostOut = dir.resolve("host.txt");
        String clientOut;
        Process proxy = null;
        try {
            awaitLine(host, hostOut, "frame-done", 30);
            StringBuilder shots = new StringBuilder();
            for (String shot : new String[] {"shot1.ppm", "shot2.ppm"}) {
                shots.append(runClient(List.of(SCREENSHOT.toString(), "-h", "127.0.0.1", "-p", String.valueOf(port),
                        "-o", dir.resolve(shot).toString()), 15));
            }
            // The live client goes through the tracing proxy, which names each image's type.
            int proxyPort = QemuBridgeIT.freePort();
            proxy = new ProcessBuilder("/usr/bin/python3", QemuCompressionIT.TRACE_PROXY.toString(),
                    String.valueOf(proxyPort), String.valueOf(port), dir.resolve("trace.txt").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("proxy.log").toFile()).start();
            for (int i = 0; i < 50 && !Files.readString(dir.resolve("proxy.log")).contains("listening"); i++) {
                Thread.sleep(100);
            }
            clientOut = runClient(List.of("/usr/bin/python3", CLIENT.toString(), String.valueOf(proxyPort),
                    "--dump", dir.resolve("live-client.ppm").toString(), "--until-cursor", "321,123",
                    "--timeout", "15"), 25);
            Files.writeString(dir.resolve("clients.txt"), shots + clientOut);
            awaitLine(host, hostOut, "live-done", 10);
            host.destroy(); // SIGTERM: the harness resets the device and counts releases
            assertTrue(host.waitFor(20, TimeUnit.SECONDS), "harness did not exit after SIGTERM");
        } finally {
            host.destroyForcibly();
            if (proxy != null) {
                proxy.destroyForcibly();
            }
        }
        List<String> cursor = clientOut.lines().filter(l -> l.startsWith("cursor-")).toList();
        return new Run(dir, Files.readAllLines(hostOut), clientOut, cursor);
    }

    /** A binary PPM as {width, height, rgb bytes}. */
    record Image(int width, int height, byte[] rgb) {
        static Image read(Path p) throws IOException {
            assertTrue(Files.exists(p), "missing image " + p);
            byte[] b = Files.readAllBytes(p);
            int pos = 0;
            String[] fields = new String[4];
            for (int i = 0; i < 4; i++) {
                while (Character.isWhitespace(b[pos])) {
                    pos++;
                }
                int start = pos;
                while (!Character.isWhitespace(b[pos])) {
                    pos++;
                }
                fields[i] = new String(b, start, pos - start, StandardCharsets.US_ASCII);
            }
            assertEquals("P6", fields[0], p.toString());
            assertEquals("255", fields[3], p.toString());
            int w = Integer.parseInt(fields[1]);
            int h = Integer.parseInt(fields[2]);
            byte[] rgb = Arrays.copyOfRange(b, pos + 1, b.length);
            assertEquals(3L * w * h, rgb.length, "pixel data size of " + p);
            return new Image(w, h, rgb);
        }

        int pixel(int x, int y) {
            int o = 3 * (y * width + x);
            return (rgb[o] & 255) << 16 | (rgb[o + 1] & 255) << 8 | (rgb[o + 2] & 255);
        }

        /** Empty if equal, else how many pixels differ and the first few. */
        String differences(Image other) {
            if (width != other.width || height != other.height) {
                return "size " + other.width + "x" + other.height + " instead of " + width + "x" + height;
            }
            int count = 0;
            StringBuilder first = new StringBuilder();
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    if (pixel(x, y) != other.pixel(x, y)) {
                        if (count++ < 8) {
                            first.append(String.format(" (%d,%d) expected %06x got %06x;", x, y, pixel(x, y),
                                    other.pixel(x, y)));
                        }
                    }
                }
            }
            return count == 0 ? "" : count + " of " + width * height + " pixels differ:" + first;
        }
    }

    static void assertSameImage(Path expected, Path actual) throws IOException {
        String diff = Image.read(expected).differences(Image.read(actual));
        assertTrue(diff.isEmpty(), actual.getFileName() + " vs " + expected.getFileName() + ": " + diff);
    }

    static void assertFaithful(Run r) throws IOException {
        String who = r.dir().getFileName().toString();
        assertTrue(r.host().stream().anyMatch(l -> l.startsWith("frame-done")), who + ": " + r.host());
        assertSameImage(r.file("expected.ppm"), r.file("shot1.ppm"));
        assertSameImage(r.file("expected.ppm"), r.file("shot2.ppm"));
        assertSameImage(r.file("expected.ppm"), r.file("surface.ppm"));
        assertSameImage(r.file("live.ppm"), r.file("live-client.ppm"));
        assertEquals(List.of("cursor-set 16x24 hot 1,2 crc 7b081d37", // the state on connect
                "cursor-set 32x32 hot 3,4 crc 562835e6", "cursor-move 70,80", "cursor-hide",
                "cursor-set 24x24 hot 12,12 crc 0e3bf9ab", "cursor-move 321,123"), r.cursorEvents(),
                who + " client:\n" + r.clientOutput());
        String released = r.host().stream().filter(l -> l.startsWith("released")).findFirst().orElse("none");
        assertEquals("released 46 of 46 (never 0, bad 0)", released, who + ": " + r.host());
        // The icon drawn three times under one cacheable id: once with CACHE_ME, then twice from the cache.
        List<String> icon = Files.readAllLines(r.file("trace.txt")).stream()
                .filter(l -> l.contains("id 0xc0ffee00000001"))
                .map(l -> l.replaceAll(".* image (\\S+) .* flags (\\S+) .*", "$1 $2")).toList();
        assertEquals(3, icon.size(), who + ": " + icon);
        assertTrue(icon.get(0).endsWith(" 0x1") && !icon.get(0).startsWith("FROM_CACHE"), who + ": " + icon);
        assertEquals(List.of("FROM_CACHE 0x0", "FROM_CACHE 0x0"), icon.subList(1, 3), who + ": " + icon);
    }

    @Test
    void referenceShowsExactlyWhatWasDrawn() throws Exception {
        Run ref = run(false);
        assertFaithful(ref);
        // the comparison is real: one changed pixel is found
        Image expected = Image.read(ref.file("expected.ppm"));
        byte[] changed = expected.rgb().clone();
        changed[3 * (123 * expected.width() + 321) + 1] ^= 1;
        assertEquals(" (321,123)", expected.differences(new Image(expected.width(), expected.height(), changed))
                .replaceAll("^1 of \\d+ pixels differ:| expected.*", ""));
    }

    @Test
    void oursShowsExactlyWhatWasDrawn() throws Exception {
        assertFaithful(run(true));
    }

    @Test
    void oursEqualsTheReference() throws Exception {
        Run ref = run(false);
        Run ours = run(true);
        for (String f : new String[] {"shot1.ppm", "shot2.ppm", "surface.ppm", "live-client.ppm"}) {
            assertSameImage(ref.file(f), ours.file(f));
        }
        assertEquals(ref.cursorEvents(), ours.cursorEvents());
        assertEquals(ref.host().stream().filter(l -> !l.startsWith("ready") && !l.startsWith(CLIENT_CAPS)).toList(),
                ours.host().stream().filter(l -> !l.startsWith("ready") && !l.startsWith(CLIENT_CAPS)).toList());
    }

    static final String CLIENT_CAPS = "client-caps ";

    /**
     * set_client_capabilities, what QEMU puts in the ROM for the guest driver: both libraries tell the device a
     * client is there with the four display capabilities spice-gtk has (sized stream, monitors config, composite,
     * A8 surfaces); ours also tells it when the last client has left, where the reference counts the leaving client
     * as still there.
     */
    @Test
    void bothTellTheDeviceWhoIsConnected() throws Exception {
        List<String> ref = run(false).host().stream().filter(l -> l.startsWith(CLIENT_CAPS)).toList();
        List<String> ours = run(true).host().stream().filter(l -> l.startsWith(CLIENT_CAPS)).toList();
        System.out.println("DisplayHarnessIT: reference " + ref + "; ours " + ours);
        assertTrue(ref.contains("client-caps present=1 caps=0f"), "reference: " + ref);
        assertTrue(ours.contains("client-caps present=1 caps=0f"), "ours: " + ours);
        assertEquals("client-caps present=0 caps=00", ours.get(ours.size() - 1), "ours: " + ours);
    }

    /** The memslot as QEMU registers it for "-vga std": virt_start 0, virt_end ~0 (the whole address space). */
    static void wholeAddressSpaceSlot(boolean ours) throws Exception {
        assumeClients();
        Path dir = Files.createDirectories(Path.of("target", "display-it", ours ? "qemu-slot-ours" : "qemu-slot-reference"))
                .toAbsolutePath();
        Files.deleteIfExists(dir.resolve("shot.ppm"));
        int port = QemuBridgeIT.freePort();
        Process host = startHarness(ours, dir, port, Map.of("HARNESS_SECONDS", "30", "HARNESS_QEMU_SLOT", "1",
                "HARNESS_SURFACE_PPM", dir.resolve("surface.ppm").toString()));
        try {
            awaitLine(host, dir.resolve("host.txt"), "frame-done", 30);
            runClient(List.of(SCREENSHOT.toString(), "-h", "127.0.0.1", "-p", String.valueOf(port), "-o",
                    dir.resolve("shot.ppm").toString()), 15);
            host.destroy();
            assertTrue(host.waitFor(20, TimeUnit.SECONDS), "harness did not exit after SIGTERM");
        } finally {
            host.destroyForcibly();
        }
        assertSameImage(dir.resolve("expected.ppm"), dir.resolve("shot.ppm"));
        assertSameImage(dir.resolve("expected.ppm"), dir.resolve("surface.ppm"));
        assertTrue(Files.readAllLines(dir.resolve("host.txt")).contains("released 29 of 29 (never 0, bad 0)"),
                Files.readString(dir.resolve("host.txt")));
    }

    @Test
    void referenceWithQemusWholeAddressSpaceSlot() throws Exception {
        wholeAddressSpaceSlot(false);
    }

    @Test
    void oursWithQemusWholeAddressSpaceSlot() throws Exception {
        wholeAddressSpaceSlot(true);
    }

    /** Display messages up to MARK, as a raw client that links main then display sees them. */
    static List<String> displayStartup(boolean ours, Path dir) throws Exception {
        int port = QemuBridgeIT.freePort();
        Files.createDirectories(dir);
        Process host = startHarness(ours, dir, port, Map.of("HARNESS_SECONDS", "30", "HARNESS_COMPRESSION", "off"));
        List<String> seen = new ArrayList<>();
        try {
            awaitLine(host, dir.resolve("host.txt"), "frame-done", 30);
            try (RawSpiceClient main = new RawSpiceClient(port); RawSpiceClient display = new RawSpiceClient(port)) {
                int session = main.linkMainAndAttach();
                assertEquals(0, display.link(session, 2, 0, 1 << 1 /* MONITORS_CONFIG */, ""));
                display.send(101, RawSpiceClient.le(14).put((byte) 1).putLong(20_000_000L).put((byte) 0)
                        .putInt(0).flip()); // INIT: pixmap cache id/size, glz dictionary id/window
                for (int i = 0; i < 50; i++) {
                    Object[] m = display.message();
                    int type = (int) m[0];
                    ByteBuffer body = (ByteBuffer) m[1];
                    if (type == 3) { // SET_ACK: answer ACK_SYNC
                        display.send(1, RawSpiceClient.le(4).putInt(body.getInt(0)).flip());
                    }
                    if (type == 4) { // PING: not recorded, answered
                        display.send(3, RawSpiceClient.le(12).putInt(body.getInt(0)).putLong(body.getLong(4)).flip());
                        continue;
                    }
                    seen.add(describe(type, body));
                    if (type == 102) {
                        break;
                    }
                }
            }
        } finally {
            host.destroyForcibly();
        }
        return seen;
    }

    static String describe(int type, ByteBuffer b) {
        return switch (type) {
            case 3 -> "SET_ACK window=" + b.getInt(4);
            case 102 -> "MARK";
            case 108 -> "INVAL_ALL_PALETTES";
            case 314 -> String.format("SURFACE_CREATE id=%d %dx%d format=%d flags=%d", b.getInt(0), b.getInt(4),
                    b.getInt(8), b.getInt(12), b.getInt(16));
            case 317 -> String.format("MONITORS_CONFIG count=%d max=%d head=%d,%d,%dx%d+%d+%d", b.getShort(0),
                    b.getShort(2), b.getInt(4), b.getInt(8), b.getInt(12), b.getInt(16), b.getInt(20), b.getInt(24));
            case 304 -> {
                int clip = b.get(20);
                int imageAt = 21 + (clip == 0 ? 0 : 4 + 16 * b.getInt(21));
                int image = b.getInt(imageAt);
                yield String.format("DRAW_COPY surface=%d box=%d,%d,%d,%d image type=%d %dx%d", b.getInt(0),
                        b.getInt(4), b.getInt(8), b.getInt(12), b.getInt(16), b.get(image + 8), b.getInt(image + 10),
                        b.getInt(image + 14));
            }
            default -> "type " + type + " (" + b.remaining() + " bytes)";
        };
    }

    @Test
    void referenceStartupSequence() throws Exception {
        assumeClients();
        List<String> ref = displayStartup(false, Path.of("target", "display-it", "startup-reference"));
        Files.writeString(Path.of("target", "display-it", "startup-reference.txt"), String.join("\n", ref) + "\n");
        assertEquals(List.of("SET_ACK window=20", "INVAL_ALL_PALETTES",
                "SURFACE_CREATE id=0 640x480 format=32 flags=1",
                "DRAW_COPY surface=0 box=0,0,480,640 image type=0 640x480",
                "MONITORS_CONFIG count=1 max=1 head=0,0,640x480+0+0", "MARK"), ref);
    }

    @Test
    void oursStartupSequenceEqualsTheReference() throws Exception {
        assumeClients();
        List<String> ref = displayStartup(false, Path.of("target", "display-it", "startup-reference"));
        List<String> ours = displayStartup(true, Path.of("target", "display-it", "startup-ours"));
        assertEquals(ref, ours);
    }
}
