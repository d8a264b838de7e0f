package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Display clients that misbehave, against our library with the C display harness: one that links and then never
 * reads while full-HD frames stream in (memory stays bounded, frames keep being taken and released, a later client
 * gets the picture), and ones that send oversized or malformed messages (only their channel is closed).
 */
class HostileDisplayClientsIT {
    @TempDir
    Path dir;

    static long rssKb(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow();
    }

    /**
     * Whether {@code shot} is exactly one of the bench mode's three full-screen frames (display_harness.c,
     * run_bench): every frame covers the whole surface, so the surface is always one of them.
     */
    static boolean showsABenchFrame(DisplayHarnessIT.Image shot) {
        if (shot.width() != 1920 || shot.height() != 1080) {
            return false;
        }
        for (int k = 0; k < 3; k++) {
            boolean same = true;
            for (int y = 0; y < shot.height() && same; y++) {
                for (int x = 0; x < shot.width() && same; x++) {
                    int expected = ((x + 200 * k) & 255) << 16 | (y & 255) << 8 | ((x ^ y) + 80 * k) % 256;
                    same = shot.pixel(x, y) == expected;
                }
            }
            if (same) {
                return true;
            }
        }
        return false;
    }

    @Test
    void clientThatNeverReadsCostsBoundedMemory() throws Exception {
        DisplayHarnessIT.assumeClients();
        int port = QemuBridgeIT.freePort();
        Process host = DisplayHarnessIT.startHarness(true, dir, port, Map.of("HARNESS_BENCH", "1",
                "HARNESS_SECONDS", "40", "HARNESS_COMPRESSION", "off"));
        try {
            DisplayHarnessIT.awaitLine(host, dir.resolve("host.txt"), "ready", 30);
            long baseline;
            long peak = 0;
            try (RawSpiceClient main = new RawSpiceClient(port); RawSpiceClient display = new RawSpiceClient(4096, port)) {
                int session = main.linkMainAndAttach();
                assertEquals(0, display.link(session, 2, 0, 0, ""));
                Thread.sleep(2000);
                baseline = rssKb(host.pid());
                for (int i = 0; i < 8; i++) { // the display socket is never read from here on
                    Thread.sleep(1000);
                    peak = Math.max(peak, rssKb(host.pid()));
                    assertTrue(host.isAlive(), "harness died");
                }
            }
            System.out.println("HostileDisplayClientsIT: RSS " + baseline + " kB after linking, peak " + peak
                    + " kB while the client did not read");
            // One 1920x1080 frame is 8 MiB; the queue is bounded to 16 MiB plus what the socket holds.
            assertTrue(peak - baseline < 96 * 1024, "RSS grew from " + baseline + " kB to " + peak + " kB");
            Path shot = dir.resolve("shot.ppm");
            DisplayHarnessIT.runClient(List.of(DisplayHarnessIT.SCREENSHOT.toString(), "-h", "127.0.0.1", "-p",
                    String.valueOf(port), "-o", shot.toString()), 20);
            assertTrue(showsABenchFrame(DisplayHarnessIT.Image.read(shot)),
                    "a later client does not see one of the harness's frames");
            host.destroy();
            assertTrue(host.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
            String bench = Files.readAllLines(dir.resolve("host.txt")).stream().filter(l -> l.startsWith("bench"))
                    .findFirst().orElseThrow();
            long released = Long.parseLong(bench.replaceAll(".*released=(\\d+).*", "$1"));
            System.out.println("HostileDisplayClientsIT: " + bench);
            assertTrue(released > 20, "frames kept flowing while the client stalled: " + bench);
            assertTrue(bench.contains("bad-releases=0"), bench);
        } finally {
            host.destroyForcibly();
        }
    }

    /** Hostile display clients: an oversized declared message and an unknown type close only that channel. */
    @Test
    void hostileDisplayMessagesCloseOnlyThatChannel() throws Exception {
        DisplayHarnessIT.assumeClients();
        int port = QemuBridgeIT.freePort();
        Process host = DisplayHarnessIT.startHarness(true, dir, port, Map.of("HARNESS_SECONDS", "40"));
        try {
            DisplayHarnessIT.awaitLine(host, dir.resolve("host.txt"), "frame-done", 30);
            try (RawSpiceClient main = new RawSpiceClient(port)) {
                int session = main.linkMainAndAttach();
                try (RawSpiceClient display = new RawSpiceClient(port)) {
                    assertEquals(0, display.link(session, 2, 0, 0, ""));
                    // A mini header declaring a 1 GiB DISPLAY_INIT: refused before anything is allocated.
                    display.out.write(RawSpiceClient.le(6).putShort((short) 101).putInt(1 << 30).array());
                    assertTrue(drainsToEnd(display), "the display channel was not closed");
                }
                try (RawSpiceClient display = new RawSpiceClient(port)) {
                    assertEquals(0, display.link(session, 2, 0, 0, ""));
                    display.send(9999, RawSpiceClient.le(3).put(new byte[] {1, 2, 3}).flip()); // unknown: ignored
                    display.send(101, RawSpiceClient.le(2).putShort((short) 0).flip()); // short INIT: closed
                    assertTrue(drainsToEnd(display), "a short DISPLAY_INIT did not close the channel");
                }
                // The session and the server still work: a third display link gets the picture.
                try (RawSpiceClient display = new RawSpiceClient(port)) {
                    assertEquals(0, display.link(session, 2, 0, 0, ""));
                    boolean mark = false;
                    for (int i = 0; i < 20 && !mark; i++) {
                        mark = (int) display.message()[0] == 102;
                    }
                    assertTrue(mark, "no MARK on a later display channel");
                }
            }
            assertTrue(host.isAlive(), "harness died");
            String log = Files.readString(dir.resolve("host-err.txt"));
            assertTrue(log.contains("declares 1073741824 bytes"), log);
            assertTrue(log.contains("short DISPLAY_INIT"), log);
        } finally {
            host.destroyForcibly();
        }
    }

    /**
     * A session links each display and cursor channel once: a second link of the same type and id while the first is
     * up is refused with CHANNEL_NOT_AVAILABLE (each extra cursor client could otherwise queue its own copy of every
     * cursor message; Debian's reference answers OK and keeps such a display link open), and once the first has gone
     * the channel links again.
     */
    @Test
    void aSecondDisplayOrCursorLinkInOneSessionIsRefused() throws Exception {
        DisplayHarnessIT.assumeClients();
        int port = QemuBridgeIT.freePort();
        Process host = DisplayHarnessIT.startHarness(true, dir, port, Map.of("HARNESS_SECONDS", "40"));
        try {
            DisplayHarnessIT.awaitLine(host, dir.resolve("host.txt"), "frame-done", 30);
            try (RawSpiceClient main = new RawSpiceClient(port)) {
                int session = main.linkMainAndAttach();
                for (int type : new int[] {2, 4}) { // DISPLAY, CURSOR
                    try (RawSpiceClient first = new RawSpiceClient(port)) {
                        assertEquals(0, first.link(session, type, 0, 0, ""), "channel type " + type + " links once");
                        for (int i = 0; i < 3; i++) {
                            try (RawSpiceClient again = new RawSpiceClient(port)) {
                                assertEquals(9, again.link(session, type, 0, 0, ""),
                                        "CHANNEL_NOT_AVAILABLE for duplicate " + i + " of channel type " + type);
                            }
                        }
                    }
                    // The first is closed: the session may link that channel again (its end takes a moment to be
                    // heard of on the main loop).
                    int again = -1;
                    for (int i = 0; i < 50 && again != 0; i++) {
                        try (RawSpiceClient relink = new RawSpiceClient(port)) {
                            again = relink.link(session, type, 0, 0, "");
                        }
                        if (again != 0) {
                            Thread.sleep(100);
                        }
                    }
                    assertEquals(0, again, "channel type " + type + " links again after its first link closed");
                }
            }
            assertTrue(host.isAlive(), "harness died");
            assertTrue(Files.readString(dir.resolve("host-err.txt")).contains("already linked"),
                    "a clear log line for the duplicate channel");
        } finally {
            host.destroyForcibly();
        }
    }

    /** Reads until the server closes the connection; false if it stays open for 10 s. */
    private static boolean drainsToEnd(RawSpiceClient client) throws Exception {
        client.socket.setSoTimeout(10_000);
        try {
            while (client.in.read(new byte[65536]) >= 0) {
                // keep reading what was queued before the close
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.io.IOException e) {
            return true; // reset by the server
        }
    }
}
