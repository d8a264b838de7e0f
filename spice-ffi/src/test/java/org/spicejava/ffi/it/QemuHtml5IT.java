package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.spicejava.ffi.it.QemuDisplayIT.Image;

/**
 * The browser client: Debian's spice-html5 in Debian's headless Chromium connects straight to QEMU's SPICE port
 * (the server recognises the WebSocket upgrade there, as the reference does), once with the reference library and
 * once with ours, same QEMU command, same page. Each time: over ws:// the canvas shows SeaBIOS's "Press ESC for boot
 * menu" screen as QMP screendump has it; ESC typed into the page (a DevTools key event, which spice-html5 turns into
 * an inputs-channel scancode) opens SeaBIOS's boot menu, on screen and on the canvas; the page closes its
 * WebSockets and the server lets the channels go; more ws:// connections, then wss:// ones on the TLS port (a
 * self-signed certificate from keytool, so Chromium runs with --ignore-certificate-errors) whose canvas shows the
 * menu and whose channels QEMU lists as TLS channels.
 *
 * <p>Printed, not asserted: the time from the page's first WebSocket to the first picture on its canvas, for the
 * server's first client and for later ones, ours and the reference's in the same run; each WebSocket's timeline;
 * how long the server keeps the channels after the page closed its WebSockets; the page's console. On failure the
 * screendumps, canvases, browser log and QEMU's stderr stay in the kept temporary directory.
 */
class QemuHtml5IT {
    static final Path HTML5 = Path.of("/usr/share/spice-html5");
    static final double MIN_EQUAL = 0.999;
    static final int MATCH_ATTEMPTS = 3;
    static final long PICTURE_SECONDS = 15;
    /** Connections measured after the first (per scheme), for the time to first picture once warm. */
    static final int WARM_CONNECTIONS = 3;
    /** The reference lets a client's channels go within tens of ms of its close frames. */
    static final long CLOSE_MILLIS = 1000;

    /**
     * Installed in every document before its scripts: notes when the page makes its first WebSocket and when it
     * opens, counts the bytes its WebSockets receive, keeps the sockets (to close them later), and
     * {@code __watchInk(key, top, bottom)} polls the canvas every few ms until a pixel in rows [top, bottom) is not
     * black, noting the time in {@code __probe.ink[key]} and the bytes received by then in {@code inkBytes[key]}.
     */
    static final String PROBE = """
            (() => {
              const probe = window.__probe = { wsCreated: null, wsOpen: null, sockets: [], timeline: [], bytes: 0,
                                               ink: {}, inkBytes: {} };
              // Each WebSocket in the order the page makes them (main channel first), times from the first one's.
              window.__timeline = () => probe.timeline.map((s, i) => '#' + i + ' at +' + Math.round(s.created
                  - probe.wsCreated) + ' open +' + Math.round(s.open - probe.wsCreated) + ' first message +'
                  + Math.round(s.first - probe.wsCreated) + ' (' + s.bytes + ' bytes; first messages at ms:bytes '
                  + s.messages.join(' ') + ')').join('; ');
              const Native = window.WebSocket;
              window.WebSocket = class extends Native {
                constructor(...args) {
                  super(...args);
                  if (probe.wsCreated === null) probe.wsCreated = performance.now();
                  const socket = { created: performance.now(), open: null, first: null, bytes: 0, messages: [] };
                  probe.sockets.push(this);
                  probe.timeline.push(socket);
                  this.addEventListener('open', () => {
                    socket.open = performance.now();
                    if (probe.wsOpen === null) probe.wsOpen = socket.open;
                  });
                  this.addEventListener('message', e => {
                    const n = e.data.byteLength || e.data.size || 0;
                    if (socket.first === null) socket.first = performance.now();
                    if (socket.messages.length < 8) socket.messages.push(Math.round(performance.now() - probe.wsCreated)
                        + ':' + n);
                    socket.bytes += n;
                    probe.bytes += n;
                  });
                }
              };
              window.__watchInk = (key, top, bottom) => {
                probe.ink[key] = null;
                const poll = () => {
                  const c = document.querySelector('#spice-screen canvas');
                  if (c && c.width > 0 && Math.min(bottom, c.height) > top) {
                    const rows = Math.min(bottom, c.height) - top;
                    const px = new Uint32Array(c.getContext('2d').getImageData(0, top, c.width, rows).data.buffer);
                    for (let i = 0; i < px.length; i++) {
                      if (px[i] & 0xffffff) {
                        probe.ink[key] = performance.now();
                        probe.inkBytes[key] = probe.bytes;
                        return;
                      }
                    }
                  }
                  setTimeout(poll, 4);
                };
                poll();
                return performance.now();
              };
              window.__watchInk('first', 0, 1 << 16);
            })();
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    /** One page load's connection: times from its first WebSocket (the main channel's), in ms. */
    record Connection(double openMillis, double firstPictureMillis, long bytesByFirstPicture, String timeline) {
    }

    /** What one library's run measured. */
    record Figures(String lib, long promptMillis, Connection wsCold, List<Connection> wsWarm, List<Connection> wss,
                   double wsEqual, double escToMenuMillis, double menuEqual, double wssEqual, List<Long> closeMillis,
                   int refusedTickets, String wssQuerySpice, List<String> console) {
        /** query-spice while linked over wss://: every channel with "tls": true (SPICE_CHANNEL_EVENT_FLAG_TLS). */
        boolean wssChannelsReportTls() {
            return wssQuerySpice.contains("\"tls\": true") && !wssQuerySpice.contains("\"tls\": false");
        }

        void print() {
            System.out.printf(Locale.ROOT, "QemuHtml5IT %-9s: SeaBIOS prompt after %d ms; ws:// first connection: open"
                            + " %.0f ms, first picture %.0f ms (%d bytes received by then), canvas = screendump %s;"
                            + " ESC -> boot menu on the canvas %.0f ms, equal %s; later ws:// first pictures %s ms;"
                            + " wss:// first pictures %s ms, equal %s; channels gone %s ms after the page closed its"
                            + " WebSockets; page loads tried again after spice-html5's malformed ticket: %d%n", lib,
                    promptMillis, wsCold.openMillis(), wsCold.firstPictureMillis(),
                    wsCold.bytesByFirstPicture(), QemuDisplayIT.percent(wsEqual), escToMenuMillis,
                    QemuDisplayIT.percent(menuEqual), firstPictures(wsWarm), firstPictures(wss),
                    QemuDisplayIT.percent(wssEqual), closeMillis, refusedTickets);
            System.out.println("QemuHtml5IT " + lib + " WebSockets (#0 main, then as spice-html5 opens them) of the"
                    + " first ws:// connection: " + wsCold.timeline() + "; of the first wss:// one: "
                    + wss.getFirst().timeline());
            System.out.println("QemuHtml5IT " + lib + " page console: " + console);
        }
    }

    static String firstPictures(List<Connection> connections) {
        return connections.stream().map(c -> String.format(Locale.ROOT, "%.0f", c.firstPictureMillis()))
                .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }

    static double median(List<Connection> connections) {
        double[] v = connections.stream().mapToDouble(Connection::firstPictureMillis).sorted().toArray();
        return v[v.length / 2];
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void spiceHtml5SeesSeaBiosAndTypesIntoItLikeWithTheReference() throws Exception {
        Peers.qemu();
        Peers.reference();
        Chromium.require();
        Peers.requireFile(HTML5.resolve("spice_auto.html"), "spice-html5");
        TestCertificate cert = TestCertificate.create(work.resolve("x509"));
        try (StaticFiles http = StaticFiles.http(HTML5); StaticFiles https = StaticFiles.https(HTML5, cert.serverContext())) {
            System.out.println("QemuHtml5IT load average at the start: " + Files.readString(Path.of("/proc/loadavg")).trim());
            Figures reference = run(false, cert, http, https);
            Figures ours = run(true, cert, http, https);
            reference.print();
            ours.print();
            System.out.printf(Locale.ROOT, "QemuHtml5IT time to first picture in the browser, ours / reference:"
                            + " first ws:// connection %.0f / %.0f ms, later ws:// (median of %d) %.0f / %.0f ms,"
                            + " wss:// (median of %d) %.0f / %.0f ms%n",
                    ours.wsCold().firstPictureMillis(), reference.wsCold().firstPictureMillis(), WARM_CONNECTIONS,
                    median(ours.wsWarm()), median(reference.wsWarm()), WARM_CONNECTIONS, median(ours.wss()),
                    median(reference.wss()));
            System.out.println("QemuHtml5IT load average at the end (the figures are wall-clock times): "
                    + Files.readString(Path.of("/proc/loadavg")).trim());
            for (Figures f : List.of(reference, ours)) {
                long slowest = f.closeMillis().stream().mapToLong(Long::longValue).max().orElseThrow();
                assertTrue(slowest < CLOSE_MILLIS, f.lib() + ": the server ends a channel when the page closes its"
                        + " WebSocket (a close frame), as RFC 6455 7.1.1 asks and the reference does; it took " + slowest
                        + " ms (Chromium itself drops the TCP connection after about 2 s): " + f.closeMillis());
                assertTrue(f.wssChannelsReportTls(), f.lib() + ": channels linked over wss:// are TLS channels for"
                        + " the host (channel_event flag SPICE_CHANNEL_EVENT_FLAG_TLS), query-spice: " + f.wssQuerySpice());
            }
        }
    }

    /** One QEMU with one library, one browser: ws:// with ESC, more ws:// connections, wss:// connections. */
    Figures run(boolean ours, TestCertificate cert, StaticFiles http, StaticFiles https) throws Exception {
        String lib = ours ? "ours" : "reference";
        Path dir = Files.createDirectories(work.resolve(lib));
        int tlsPort = QemuBridgeIT.freePort();
        int port = QemuBridgeIT.freePort();
        List<String> command = List.of(QemuBridgeIT.QEMU.toString(), "-machine", "accel=tcg", "-display", "none",
                "-nodefaults", "-vga", "qxl", "-m", "128",
                "-spice", "port=" + port + ",tls-port=" + tlsPort + ",addr=127.0.0.1,disable-ticketing=on,x509-dir="
                        + cert.dir(),
                "-qmp", "unix:" + QemuBridgeIT.qmpSocket(dir) + ",server=on,wait=off",
                "-boot", "menu=on,splash-time=20000");
        long t0 = System.nanoTime();
        QemuBridgeIT.Run run = QemuBridgeIT.launch(dir, started, ours, command, port);
        Image prompt = waitForScreen(run, dir.resolve("wait-prompt.ppm"),
                img -> !img.blank() && img.inkInRows(QemuDisplayIT.PROMPT_TOP, QemuDisplayIT.PROMPT_BOTTOM), 30,
                lib + ": SeaBIOS did not show \"Press ESC for boot menu\"");
        long promptMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        String wsUrl = "http://127.0.0.1:" + http.port() + "/spice_auto.html?host=127.0.0.1&port=" + port;
        // spice_auto.html picks wss:// when it comes over https.
        String wssUrl = "https://127.0.0.1:" + https.port() + "/spice_auto.html?host=127.0.0.1&port=" + tlsPort;
        List<Long> closeMillis = new ArrayList<>();
        int[] retries = {0};

        try (Chromium browser = Chromium.start(dir, started, "--ignore-certificate-errors")) {
            browser.beforeEachDocument(PROBE);

            // The server's first client: the picture must be SeaBIOS's screen.
            Connection wsCold = connect(browser, wsUrl, run, lib + " ws://", retries);
            double wsEqual = canvasMatchesScreendump(browser, run, dir, "ws-prompt", lib + " ws://");

            // ESC typed into the page opens the boot menu: on QEMU's screen, then on the canvas. spice-html5 drops
            // keys typed before its inputs channel is linked, which it does beside the display, not before it.
            waitForInputsChannel(run, lib);
            browser.evaluate("document.querySelector('#spice-screen canvas').focus()");
            double keyAt = number(browser.evaluate("window.__watchInk('menu', " + QemuDisplayIT.MENU_ENTRY_TOP + ", "
                    + QemuDisplayIT.MENU_ENTRY_BOTTOM + ")"));
            browser.typeKey("Escape", "Escape", 27);
            waitForScreen(run, dir.resolve("wait-menu.ppm"),
                    img -> img.equality(prompt) < MIN_EQUAL
                            && img.inkInRows(QemuDisplayIT.MENU_ENTRY_TOP, QemuDisplayIT.MENU_ENTRY_BOTTOM), 10,
                    lib + ": ESC typed into spice-html5 did not open SeaBIOS's boot menu");
            Double menuAt = waitForInk(browser, "menu", run, lib + " boot menu", Integer.MAX_VALUE);
            double escToMenu = menuAt - keyAt;
            Thread.sleep(300); // SeaBIOS finishes drawing the menu
            double menuEqual = canvasMatchesScreendump(browser, run, dir, "ws-menu", lib + " boot menu");
            closeMillis.add(closeAndWaitForNoChannels(browser, run, lib));

            // Later clients, each after the last one's channels are gone.
            List<Connection> wsWarm = new ArrayList<>();
            for (int i = 0; i < WARM_CONNECTIONS; i++) {
                wsWarm.add(connect(browser, wsUrl, run, lib + " ws:// again", retries));
                closeMillis.add(closeAndWaitForNoChannels(browser, run, lib));
            }
            List<Connection> wss = new ArrayList<>();
            for (int i = 0; i < WARM_CONNECTIONS; i++) {
                wss.add(connect(browser, wssUrl, run, lib + " wss://", retries));
                if (i < WARM_CONNECTIONS - 1) {
                    closeMillis.add(closeAndWaitForNoChannels(browser, run, lib));
                }
            }
            double wssEqual = canvasMatchesScreendump(browser, run, dir, "wss-menu", lib + " wss://");
            String spice = QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-spice\"}");
            assertTrue(spice.contains("\"channel-type\": 2"), lib + ": display channel linked over wss://: " + spice);

            List<String> console = browser.console();
            Files.write(dir.resolve("console.txt"), console);
            long uncaught = console.stream().filter(l -> l.startsWith("exception:") && !refused(l)).count();
            // Chromium on a loaded machine has given up one of a wss:// page's sockets during its TLS handshake
            // ("Can't connect to websocket", then an uncaught Event; the server saw the browser close it), once with
            // the reference and once with ours, while the page went on to show the screen (asserted above): those
            // are reported, not failed. Any other uncaught exception in ours fails.
            long givenUp = console.stream().filter(l -> l.contains("Can't connect to websocket")).count();
            assertTrue(!ours || uncaught <= givenUp, lib + ": uncaught exception in the page: " + console);
            if (uncaught > 0) {
                System.out.printf("QemuHtml5IT: %s's page had %d uncaught exception(s): %s%n", lib, uncaught, console);
            }
            String replies = QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"quit\"}");
            assertEquals(0, QemuBridgeIT.waitExit(run.process()), lib + ": QEMU exit code; " + replies);
            return new Figures(lib, promptMillis, wsCold, wsWarm, wss, wsEqual, escToMenu, menuEqual, wssEqual,
                    closeMillis, retries[0], spice, console);
        }
    }

    /**
     * Loads the page and waits for the first picture on its canvas. spice-html5 0.3.0 sends a malformed ticket
     * about once in 128 links (ticket.js drops the ciphertext's leading zero bytes and pads at the end instead), so
     * the server cannot decrypt it and answers PERMISSION_DENIED, the reference as ours; such a load is left and
     * tried again once its channels are gone, and counted in {@code retries}.
     */
    static Connection connect(Chromium browser, String url, QemuBridgeIT.Run run, String what, int[] retries)
            throws Exception {
        for (int attempt = 1; ; attempt++) {
            int consoleFrom = browser.console().size();
            browser.navigate(url);
            Double first = waitForInk(browser, "first", run, what, consoleFrom);
            if (first != null) {
                double created = number(browser.evaluate("window.__probe.wsCreated"));
                return new Connection(number(browser.evaluate("window.__probe.wsOpen")) - created, first - created,
                        (long) number(browser.evaluate("window.__probe.inkBytes.first")),
                        (String) browser.evaluate("window.__timeline()"));
            }
            assertTrue(attempt < 3, what + ": the link was refused " + attempt + " times: " + browser.console());
            retries[0]++;
            // spice_auto.html answers a refusal with a password prompt (dismissed here) and links again: close every
            // WebSocket the page made (once seen lingering 15 s after the page was left), then leave it.
            browser.evaluate("window.__probe && window.__probe.sockets.forEach(s => s.close()); true");
            browser.navigate("about:blank");
            waitForNoChannels(run, what);
        }
    }

    /** True for the page's words when a link was refused (PERMISSION_DENIED), see {@link #connect}. */
    static boolean refused(String consoleLine) {
        return consoleLine.contains("Permission denied.");
    }

    /**
     * Waits until the page's ink watch {@code key} fired and returns its page time (ms); null if the page said a link
     * was refused after its console line {@code consoleFrom}.
     */
    static Double waitForInk(Chromium browser, String key, QemuBridgeIT.Run run, String what, int consoleFrom)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PICTURE_SECONDS);
        while (true) {
            Object at = browser.evaluate("window.__probe ? window.__probe.ink['" + key + "'] : null");
            if (at instanceof Double d) {
                return d;
            }
            List<String> console = browser.console();
            if (console.subList(Math.min(consoleFrom, console.size()), console.size()).stream()
                    .anyMatch(QemuHtml5IT::refused)) {
                return null;
            }
            if (System.nanoTime() > deadline || !run.process().isAlive()) {
                fail(what + ": nothing drawn on spice-html5's canvas within " + PICTURE_SECONDS + " s; page console: "
                        + console + "; QEMU: " + Files.readString(run.stderr()));
            }
            Thread.sleep(20);
        }
    }

    /**
     * Reads the canvas between two screendumps and passes if it equals either in at least 99.9% of pixels; tries
     * again a few times, since SeaBIOS's text cursor blinks.
     */
    static double canvasMatchesScreendump(Chromium browser, QemuBridgeIT.Run run, Path dir, String stage, String what)
            throws Exception {
        double best = -1;
        for (int attempt = 1; attempt <= MATCH_ATTEMPTS; attempt++) {
            Image before = screendump(run, dir.resolve(stage + "-" + attempt + "-screendump-before.ppm"));
            Image canvas = canvas(browser, dir.resolve(stage + "-" + attempt + "-canvas.png"));
            Image after = screendump(run, dir.resolve(stage + "-" + attempt + "-screendump-after.ppm"));
            double eq = Math.max(canvas.equality(before), canvas.equality(after));
            best = Math.max(best, eq);
            if (eq >= MIN_EQUAL) {
                return eq;
            }
            System.out.printf(Locale.ROOT, "QemuHtml5IT %s, attempt %d: canvas %s, screendump %s, equal %s%n", what,
                    attempt, canvas.size(), after.size(), QemuDisplayIT.percent(eq));
            Thread.sleep(300);
        }
        fail(what + ": spice-html5's canvas equals QMP screendump in only " + QemuDisplayIT.percent(best)
                + " of pixels (need " + QemuDisplayIT.percent(MIN_EQUAL) + "); images in " + dir);
        return best;
    }

    /** The page's canvas as RGB (its PNG kept in {@code file}). */
    static Image canvas(Chromium browser, Path file) throws Exception {
        Object url = browser.evaluate("document.querySelector('#spice-screen canvas')?.toDataURL('image/png') ?? null");
        assertTrue(url instanceof String s && s.startsWith("data:image/png;base64,"), "no canvas: " + url);
        byte[] png = Base64.getDecoder().decode(((String) url).substring("data:image/png;base64,".length()));
        Files.write(file, png);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        byte[] rgb = new byte[img.getWidth() * img.getHeight() * 3];
        for (int y = 0, i = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int argb = img.getRGB(x, y);
                rgb[i++] = (byte) (argb >> 16);
                rgb[i++] = (byte) (argb >> 8);
                rgb[i++] = (byte) argb;
            }
        }
        return new Image(img.getWidth(), img.getHeight(), rgb);
    }

    static Image screendump(QemuBridgeIT.Run run, Path file) throws Exception {
        Files.deleteIfExists(file);
        String reply = QemuBridgeIT.qmp(run.qmp(), QemuSessionIT.screendump(file));
        assertTrue(reply.contains("\"return\"") && Files.exists(file), "screendump failed: " + reply);
        return Image.read(file);
    }

    static Image waitForScreen(QemuBridgeIT.Run run, Path file, java.util.function.Predicate<Image> ready, long seconds,
                               String why) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            assertTrue(run.process().isAlive(), why + ": QEMU exited: " + Files.readString(run.stderr()));
            Image img = screendump(run, file);
            if (ready.test(img)) {
                return img;
            }
            if (System.nanoTime() > deadline) {
                fail(why + " within " + seconds + " s (last screendump in " + file + ")");
            }
            Thread.sleep(100);
        }
    }

    /** Closes the page's WebSockets (close frames) and returns how long the server kept the channels after. */
    static long closeAndWaitForNoChannels(Chromium browser, QemuBridgeIT.Run run, String lib) throws Exception {
        assertTrue(QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-spice\"}").contains("\"channel-type\""),
                lib + ": channels listed while the page is connected");
        long t0 = System.nanoTime();
        browser.evaluate("window.__probe.sockets.forEach(s => s.close()); true");
        if (!noChannelsWithin(run, 15) && browser.console().stream().anyMatch(QemuHtml5IT::refused)) {
            // spice-html5's malformed ticket (see connect) refused a later channel of this page, and the page's own
            // retry keeps sockets the probe never saw: leave the page, as connect does, and do not count the time.
            browser.navigate("about:blank");
            waitForNoChannels(run, lib + " (page left after a refused link)");
            return -1;
        }
        waitForNoChannels(run, lib);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    /** True when query-spice lists no channel within {@code seconds}. */
    static boolean noChannelsWithin(QemuBridgeIT.Run run, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (!QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-spice\"}").contains("\"channel-type\"")) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** Polls query-spice until no channel is listed (15 s at most). */
    /** Waits until QEMU lists an inputs channel (type 3): the page links it beside the display, not before it. */
    static void waitForInputsChannel(QemuBridgeIT.Run run, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!INPUTS_CHANNEL.matcher(QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-spice\"}")).find()) {
            if (System.nanoTime() > deadline) {
                fail(what + ": the page linked no inputs channel within 15 s");
            }
            Thread.sleep(20);
        }
    }

    private static final Pattern INPUTS_CHANNEL = Pattern.compile(
            "\"channel-type\"\\s*:\\s*3\\b");

    static void waitForNoChannels(QemuBridgeIT.Run run, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            String spice = QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-spice\"}");
            if (!spice.contains("\"channel-type\"")) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail(what + ": channels still listed 15 s after the page closed its WebSockets: " + spice);
            }
            Thread.sleep(20);
        }
    }

    private static double number(Object value) {
        if (value instanceof Double d) {
            return d;
        }
        throw new AssertionError("not a number from the page: " + value);
    }
}
