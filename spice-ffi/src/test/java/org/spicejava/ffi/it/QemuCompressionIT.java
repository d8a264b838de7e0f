package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every image-compression value QEMU accepts, with our library: a real client (spicy-screenshot, through a tracing
 * proxy) sees what QMP screendump shows, and the first screen went out in the codec that setting picks (the first
 * picture precedes the client's DISPLAY_INIT, so GLZ settings send it as LZ, as the reference does; the text console
 * is not photo-like, so the auto settings do not pick QUIC for it, while the quic setting does). The WAN settings
 * too: zlib over GLZ when QEMU says always, and by default behind a slow link the network test detects.
 */
class QemuCompressionIT {
    static final Path TRACE_PROXY = Path.of("../scripts/spice-trace-proxy.py").toAbsolutePath();
    static final Path THROTTLE_PROXY = Path.of("../scripts/throttle-proxy.py").toAbsolutePath();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;
    private final List<Process> started = new ArrayList<>();
    private final QemuDisplayIT display = new QemuDisplayIT();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
        display.killLeftovers();
    }

    /** Starts the tracing proxy in front of QEMU's SPICE port; returns the run as a client should see it. */
    private QemuBridgeIT.Run tracedRun(QemuBridgeIT.Run run, Path dir, Path trace) throws Exception {
        int proxyPort = QemuBridgeIT.freePort();
        Process proxy = new ProcessBuilder("/usr/bin/python3", TRACE_PROXY.toString(), String.valueOf(proxyPort),
                String.valueOf(run.port()), trace.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("proxy.log").toFile()).start();
        started.add(proxy);
        for (int i = 0; i < 50 && !Files.readString(dir.resolve("proxy.log")).contains("listening"); i++) {
            Thread.sleep(100);
        }
        return new QemuBridgeIT.Run(run.process(), run.qmp(), run.tmp(), run.stderr(), proxyPort);
    }

    /**
     * Draws while a client is connected, after its DISPLAY_INIT: with QEMU's default (auto_glz) they go out as GLZ;
     * a client that prefers LZ4 (QEMU has no lz4 setting) and has the capability gets LZ4. The boot menu is opened
     * through QMP, since another SPICE client would replace this one.
     */
    @ParameterizedTest(name = "-vga {0}, the client prefers {1}: {2}")
    @CsvSource({"std, 0, GLZ_RGB", "qxl, 0, GLZ_RGB", "std, 7, LZ4", "qxl, 7, LZ4"})
    void drawsWhileConnectedUseTheClientsCodec(String vga, int preferred, String expectedImage) throws Exception {
        drawWhileConnected(new Case("-vga " + vga + ", client preference " + preferred, vga + "-prefer-" + preferred,
                true, vga, preferred, "disable-ticketing=on", 0, expectedImage));
    }

    /**
     * QEMU's zlib-glz-wan-compression=always: GLZ images go out wrapped in zlib (ZLIB_GLZ_RGB) where that is
     * smaller, whatever the network test found (here a fast loopback), and the client still sees screendump.
     */
    @ParameterizedTest(name = "-vga {0}, zlib-glz-wan-compression=always: ZLIB_GLZ_RGB")
    @CsvSource({"std", "qxl"})
    void zlibOverGlzWhenTheSettingSaysAlways(String vga) throws Exception {
        drawWhileConnected(new Case("-vga " + vga + ", zlib-glz-wan-compression=always", vga + "-zlib-glz-always",
                true, vga, 0, "disable-ticketing=on,zlib-glz-wan-compression=always", 0, "ZLIB_GLZ_RGB"));
    }

    /**
     * QEMU's defaults (auto) behind a 4 Mbit/s link: the main channel's network test finds it slower than
     * 10 Mibit/s, so GLZ images go out wrapped in zlib, with our library as with the reference.
     */
    @ParameterizedTest(name = "{0} library, 4 Mbit/s link, WAN settings auto: ZLIB_GLZ_RGB")
    @CsvSource({"ours", "reference"})
    void aSlowLinkTurnsZlibOverGlzOn(String library) throws Exception {
        boolean ours = library.equals("ours");
        Path stderr = drawWhileConnected(new Case(library + " library, 4 Mbit/s, auto", library + "-slow-link",
                ours, "std", 0, "disable-ticketing=on", 4, "ZLIB_GLZ_RGB"));
        if (ours) {
            String log = Files.readString(stderr);
            assertTrue(log.contains("network test") && log.contains("low bandwidth"),
                    "the network test found the link slow; QEMU's stderr in " + stderr);
            System.out.println("QemuCompressionIT: " + log.lines().filter(l -> l.contains("network test"))
                    .findFirst().orElse("").replaceAll(".*(network test.*)", "$1"));
        }
    }

    /** One run of {@link #drawWhileConnected}; {@code throttleMbit} 0: no throttled link. */
    private record Case(String what, String dirName, boolean ours, String vga, int preferred, String spiceOptions,
                        int throttleMbit, String expectedImage) {
    }

    /** Starts a link of {@code mbit} megabits per second in front of {@code run}'s SPICE port. */
    private QemuBridgeIT.Run throttledRun(QemuBridgeIT.Run run, Path dir, int mbit) throws Exception {
        int port = QemuBridgeIT.freePort();
        Process proxy = new ProcessBuilder("/usr/bin/python3", THROTTLE_PROXY.toString(), String.valueOf(port),
                String.valueOf(run.port()), String.valueOf(mbit)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("throttle.log").toFile()).start();
        started.add(proxy);
        for (int i = 0; i < 50 && !Files.readString(dir.resolve("throttle.log")).contains("listening"); i++) {
            Thread.sleep(100);
        }
        return new QemuBridgeIT.Run(run.process(), run.qmp(), run.tmp(), run.stderr(), port);
    }

    /**
     * Opens the boot menu under a connected client and checks its picture and the codec of its draws; returns
     * QEMU's stderr.
     */
    private Path drawWhileConnected(Case c) throws Exception {
        Peers.qemu();
        Peers.clients();
        String what = c.what();
        Path dir = Files.createDirectories(work.resolve(c.dirName()));
        QemuBridgeIT.Run run = QemuBridgeIT.start(dir, started, c.ours(), c.vga(), QemuSessionIT.BOOT_MENU,
                c.spiceOptions());
        QemuDisplayIT.Image prompt = display.waitForScreen(run, dir.resolve("wait-prompt.ppm"),
                img -> !img.blank() && img.inkInRows(QemuDisplayIT.PROMPT_TOP, QemuDisplayIT.PROMPT_BOTTOM), 20,
                what + ": SeaBIOS did not show its prompt");
        Path trace = dir.resolve("trace.txt");
        QemuBridgeIT.Run link = c.throttleMbit() > 0 ? throttledRun(run, dir, c.throttleMbit()) : run;
        QemuBridgeIT.Run viaProxy = tracedRun(link, dir, trace);
        int preferred = c.preferred();
        String expectedImage = c.expectedImage();
        Path dump = dir.resolve("client.ppm");
        // The client dumps its surface 9 s after it starts (the text cursor blinks for ever, and an idle QEMU
        // refreshes its console only every 3 s); the menu opens first.
        Process client = new ProcessBuilder("/usr/bin/python3", DisplayHarnessIT.CLIENT.toString(),
                String.valueOf(viaProxy.port()), "--dump", dump.toString(), "--dump-at", "9", "--prefer", String.valueOf(preferred))
                .redirectErrorStream(true).redirectOutput(dir.resolve("client.log").toFile()).start();
        started.add(client);
        Thread.sleep(1500);
        // The menu has to be drawn after the display channel got its first screen, or no draw carries it: on a
        // slow link the network test's 250 KiB ping alone delays the channel list by half a second or more.
        for (int i = 0; i < 100 && !(Files.exists(trace) && Files.readString(trace).contains("MARK (102)")); i++) {
            Thread.sleep(100);
        }
        QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"send-key\",\"arguments\":{\"keys\":[{\"type\":\"qcode\",\"data\":\"esc\"}]}}");
        QemuDisplayIT.Image menu = display.waitForScreen(run, dir.resolve("wait-menu.ppm"),
                img -> img.equality(prompt) < QemuDisplayIT.MIN_EQUAL
                        && img.inkInRows(QemuDisplayIT.MENU_ENTRY_TOP, QemuDisplayIT.MENU_ENTRY_BOTTOM), 10,
                what + ": ESC did not open the boot menu");
        assertTrue(client.waitFor(30, TimeUnit.SECONDS), what + ": the client did not finish");
        QemuDisplayIT.Image seen = QemuDisplayIT.Image.read(dump);
        double equal = Math.max(seen.equality(menu), // the blinking cursor may differ from either screendump
                display.screendump(run, dir.resolve("after.ppm")).equality(seen));
        assertTrue(equal >= QemuDisplayIT.MIN_EQUAL, what + ": the client's picture equals screendump in only "
                + QemuDisplayIT.percent(equal) + "; files in " + dir);
        List<String> coded = Files.readAllLines(trace).stream()
                .filter(l -> l.contains(" image " + expectedImage + " ")).toList();
        assertTrue(!coded.isEmpty(), what + ": no " + expectedImage + " image went out; trace in " + trace);
        QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"quit\"}");
        assertEquals(0, QemuBridgeIT.waitExit(run.process()));
        System.out.printf(Locale.ROOT, "QemuCompressionIT %s: equal %s, %d %s draws%n", what,
                QemuDisplayIT.percent(equal), coded.size(), expectedImage);
        return run.stderr();
    }

    @ParameterizedTest(name = "-vga {0}, image-compression={1}")
    @CsvSource({"std, off, BITMAP", "std, auto_glz, LZ_RGB", "std, auto_lz, LZ_RGB", "std, quic, QUIC",
            "std, glz, LZ_RGB", "std, lz, LZ_RGB",
            "qxl, off, BITMAP", "qxl, auto_glz, LZ_RGB", "qxl, quic, QUIC", "qxl, lz, LZ_RGB"})
    void theClientDecodesEveryCodec(String vga, String compression, String expectedImage) throws Exception {
        Peers.qemu();
        Peers.clients();
        String what = "-vga " + vga + ", image-compression=" + compression;
        Path dir = Files.createDirectories(work.resolve(vga + "-" + compression));
        QemuBridgeIT.Run run = QemuBridgeIT.start(dir, started, true, vga, QemuSessionIT.BOOT_MENU,
                "disable-ticketing=on,image-compression=" + compression);
        display.waitForScreen(run, dir.resolve("wait-prompt.ppm"),
                img -> !img.blank() && img.inkInRows(QemuDisplayIT.PROMPT_TOP, QemuDisplayIT.PROMPT_BOTTOM), 20,
                what + ": SeaBIOS did not show its prompt");

        Path trace = dir.resolve("trace.txt");
        QemuBridgeIT.Run viaProxy = tracedRun(run, dir, trace);
        double equal = display.clientMatchesScreendump(viaProxy, dir, "prompt", what);

        String copies = Files.readAllLines(trace).stream().filter(l -> l.contains("DRAW_COPY"))
                .findFirst().orElse("");
        assertTrue(copies.contains(" image " + expectedImage + " "), what + ": first DRAW_COPY was " + copies);
        QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"quit\"}");
        assertEquals(0, QemuBridgeIT.waitExit(run.process()));
        System.out.printf(Locale.ROOT, "QemuCompressionIT %s: equal %s, %s%n", what, QemuDisplayIT.percent(equal),
                copies.replaceAll(".*(DRAW_COPY \\(304\\) size \\d+).*( image .*)", "$1$2"));
    }
}
