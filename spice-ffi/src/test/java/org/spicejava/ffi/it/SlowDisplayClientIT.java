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
 * A display client that links and then never reads, while the display harness pushes full-HD frames as fast as
 * the server takes them: our server's memory stays bounded (the queue is replaced by a resend of the current
 * screen), frames keep being taken and released, and a real client that connects afterwards gets the picture.
 */
class SlowDisplayClientIT {
    @TempDir
    Path dir;

    static long rssKb(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow();
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
            System.out.println("SlowDisplayClientIT: RSS " + baseline + " kB after linking, peak " + peak
                    + " kB while the client did not read");
            // One 1920x1080 frame is 8 MiB; the queue is bounded to 16 MiB plus what the socket holds.
            assertTrue(peak - baseline < 96 * 1024, "RSS grew from " + baseline + " kB to " + peak + " kB");
            Path shot = dir.resolve("shot.ppm");
            DisplayHarnessIT.runClient(List.of(DisplayHarnessIT.SCREENSHOT.toString(), "-h", "127.0.0.1", "-p",
                    String.valueOf(port), "-o", shot.toString()), 20);
            assertTrue(Files.exists(shot) && Files.size(shot) > 1920L * 1080 * 3, "a later client got no picture");
            host.destroy();
            assertTrue(host.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
            String bench = Files.readAllLines(dir.resolve("host.txt")).stream().filter(l -> l.startsWith("bench"))
                    .findFirst().orElseThrow();
            long released = Long.parseLong(bench.replaceAll(".*released=(\\d+).*", "$1"));
            System.out.println("SlowDisplayClientIT: " + bench);
            assertTrue(released > 20, "frames kept flowing while the client stalled: " + bench);
            assertTrue(bench.contains("bad-releases=0"), bench);
        } finally {
            host.destroyForcibly();
        }
    }
}
