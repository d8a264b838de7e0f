package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A real SPICE client sees exactly what QEMU shows: Debian's {@code spicy-screenshot} (spice-gtk) takes a picture of
 * SeaBIOS's "Press ESC for boot menu" screen, and it must equal QMP {@code screendump} taken right before or after
 * it; then ESC sent through another client's inputs channel opens the boot menu, and a fresh spicy-screenshot (a
 * client connecting later) must again equal screendump. Each (library, vga) pair is its own case, so the reference
 * passes on its own. On failure the images stay in the kept temporary directory named in the message.
 *
 * <p>spicy-screenshot connects only the main channel and display channel 0. It writes its file on the display
 * channel's first {@code display-invalidate} signal, which spice-gtk emits after drawing a DRAW_* message (or
 * COPY_BITS, or a stream frame) onto the primary surface, so the server's first draw to a new client must cover the
 * whole primary surface. It never times out on its own; it exits without a file if the main channel closes.
 *
 * <p>With {@code -vga qxl}, QEMU's trace of device events shows the server told the device a client connected
 * (set_client_capabilities raises QXL_INTERRUPT_CLIENT), and never while the VM was stopped.
 */
class QemuDisplayIT {
    static final Path SCREENSHOT = Path.of("/usr/bin/spicy-screenshot");
    static final double MIN_EQUAL = 0.999;
    static final long CLIENT_SECONDS = 10;
    static final int PAIR_ATTEMPTS = 3;
    /** SeaBIOS's second text row (8x16 cells) holds "Press ESC for boot menu."; ESC before it is flushed. */
    static final int PROMPT_TOP = 32;
    static final int PROMPT_BOTTOM = 48;
    /** The boot menu's first entry ("1. Legacy option rom") is on text row 6, empty at the prompt. */
    static final int MENU_ENTRY_TOP = 96;
    static final int MENU_ENTRY_BOTTOM = 112;
    /** QXL_INTERRUPT_CLIENT, which QEMU raises when the server calls set_client_capabilities. */
    static final int QXL_INTERRUPT_CLIENT = 1 << 4;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    /** A P6 image with maxval 255: width, height and width*height*3 bytes of RGB. */
    record Image(int width, int height, byte[] rgb) {
        static Image read(Path file) throws IOException {
            byte[] d = Files.readAllBytes(file);
            int[] pos = {0};
            String magic = token(d, pos);
            if (!magic.equals("P6")) {
                throw new IOException(file + ": not a P6 PPM (" + magic + ")");
            }
            int w = Integer.parseInt(token(d, pos));
            int h = Integer.parseInt(token(d, pos));
            int max = Integer.parseInt(token(d, pos));
            if (max != 255) {
                throw new IOException(file + ": maxval " + max);
            }
            int start = pos[0] + 1; // one whitespace byte after maxval
            long need = (long) w * h * 3;
            if (d.length - start < need) {
                throw new IOException(file + ": " + (d.length - start) + " bytes of pixels, " + w + "x" + h + " needs " + need);
            }
            byte[] rgb = new byte[(int) need];
            System.arraycopy(d, start, rgb, 0, rgb.length);
            return new Image(w, h, rgb);
        }

        private static String token(byte[] d, int[] pos) throws IOException {
            int i = pos[0];
            while (i < d.length) {
                if (d[i] == '#') {
                    while (i < d.length && d[i] != '\n') {
                        i++;
                    }
                } else if (Character.isWhitespace(d[i])) {
                    i++;
                } else {
                    break;
                }
            }
            int s = i;
            while (i < d.length && !Character.isWhitespace(d[i]) && d[i] != '#') {
                i++;
            }
            if (s == i) {
                throw new IOException("truncated PPM header");
            }
            pos[0] = i;
            return new String(d, s, i - s, StandardCharsets.US_ASCII);
        }

        String size() {
            return width + "x" + height;
        }

        /** Share of equal pixels, 0 if the sizes differ. */
        double equality(Image o) {
            if (width != o.width || height != o.height) {
                return 0;
            }
            long same = 0;
            for (int i = 0; i < rgb.length; i += 3) {
                if (rgb[i] == o.rgb[i] && rgb[i + 1] == o.rgb[i + 1] && rgb[i + 2] == o.rgb[i + 2]) {
                    same++;
                }
            }
            return (double) same / ((long) width * height);
        }

        boolean blank() {
            for (int i = 3; i < rgb.length; i++) {
                if (rgb[i] != rgb[i % 3]) {
                    return false;
                }
            }
            return true;
        }

        /** Whether any pixel in rows [top, bottom) is not black. */
        boolean inkInRows(int top, int bottom) {
            for (int i = top * width * 3; i < Math.min(bottom, height) * width * 3; i++) {
                if (rgb[i] != 0) {
                    return true;
                }
            }
            return false;
        }
    }

    static String percent(double share) {
        return String.format(Locale.ROOT, "%.4f%%", share * 100);
    }

    Image screendump(QemuBridgeIT.Run run, Path file) throws Exception {
        Files.deleteIfExists(file);
        String reply = QemuBridgeIT.qmp(run.qmp(), QemuSessionIT.screendump(file));
        assertTrue(reply.contains("\"return\"") && Files.exists(file), "screendump failed: " + reply);
        return Image.read(file);
    }

    /** Polls screendump every 200 ms until {@code ready} holds; fails with {@code why} after {@code seconds}. */
    Image waitForScreen(QemuBridgeIT.Run run, Path file, Predicate<Image> ready, long seconds, String why) throws Exception {
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
            Thread.sleep(200);
        }
    }

    /** Runs spicy-screenshot once; returns its image, or fails naming what it printed. */
    Image clientPicture(QemuBridgeIT.Run run, Path file, Path log, String what) throws Exception {
        Files.deleteIfExists(file);
        Process p = new ProcessBuilder(SCREENSHOT.toString(), "-h", "127.0.0.1", "-p", String.valueOf(run.port()),
                "-o", file.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(p);
        if (!p.waitFor(CLIENT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            fail(what + ": spicy-screenshot saved no picture within " + CLIENT_SECONDS + " s (it saves on the display"
                    + " channel's first draw to the primary surface, display-invalidate); files in "
                    + file.getParent() + "; it printed: " + Files.readString(log));
        }
        assertTrue(Files.exists(file), what + ": spicy-screenshot exited " + p.exitValue() + " without a picture"
                + " (it quits when the main channel closes or fails); files in " + file.getParent() + "; it printed: "
                + Files.readString(log));
        return Image.read(file);
    }

    /**
     * Takes the client's picture between two screendumps and passes if it equals either of them in at least 99.9% of
     * pixels; retries the triple a few times since SeaBIOS's cursor blinks.
     */
    double clientMatchesScreendump(QemuBridgeIT.Run run, Path dir, String stage, String what) throws Exception {
        double best = -1;
        String detail = "";
        for (int attempt = 1; attempt <= PAIR_ATTEMPTS; attempt++) {
            String base = stage + "-" + attempt;
            Image before = screendump(run, dir.resolve(base + "-screendump-before.ppm"));
            long t0 = System.nanoTime();
            Image client = clientPicture(run, dir.resolve(base + "-client.ppm"), dir.resolve(base + "-client.log"),
                    what + ", " + stage);
            long clientMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            Image after = screendump(run, dir.resolve(base + "-screendump-after.ppm"));
            double eq = Math.max(client.equality(before), client.equality(after));
            System.out.printf(Locale.ROOT, "QemuDisplayIT %s, %s, attempt %d: client %s in %d ms, screendump %s,"
                            + " equal pixels %s (before) %s (after)%n", what, stage, attempt, client.size(),
                    clientMillis, after.size(), percent(client.equality(before)), percent(client.equality(after)));
            if (eq >= MIN_EQUAL) {
                return eq;
            }
            if (eq > best) {
                best = eq;
                detail = client.size().equals(after.size()) ? ""
                        : " (client " + client.size() + ", screendump " + after.size() + ")";
            }
            Thread.sleep(300);
        }
        fail(what + ", " + stage + ": the client's picture equals QMP screendump in only " + percent(best)
                + " of pixels" + detail + " after " + PAIR_ATTEMPTS + " attempts (need " + percent(MIN_EQUAL)
                + "); images kept in " + dir);
        return best;
    }

    /** Sends ESC through a spice-gtk client's inputs channel; returns once the client has sent it and exited. */
    void sendEscape(QemuBridgeIT.Run run, Path log, String what) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", QemuSessionIT.KEY_CLIENT.toString(),
                String.valueOf(run.port()), "0x01", "0.2")
                .redirectErrorStream(true).start();
        started.add(p);
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.append(line).append('\n');
            }
        }
        Files.writeString(log, out);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), what + ": key client did not exit: " + out);
        assertTrue(out.toString().contains("sent"), what + ": key client did not send ESC: " + out);
    }

    @ParameterizedTest(name = "{0} library, -vga {1}")
    @CsvSource({"reference, std", "reference, qxl", "ours, std", "ours, qxl"})
    @Timeout(value = 80, unit = TimeUnit.SECONDS)
    void clientSeesWhatQemuShows(String lib, String vga) throws Exception {
        Peers.clients();
        String what = lib + " library, -vga " + vga;
        Path dir = Files.createDirectories(work.resolve(lib + "-" + vga));
        long t0 = System.nanoTime();
        boolean qxl = vga.equals("qxl");
        List<String> args = new ArrayList<>(QemuSessionIT.BOOT_MENU);
        if (qxl) {
            args.addAll(List.of("-trace", "qxl_send_events")); // QXL_INTERRUPT_CLIENT: set_client_capabilities
        }
        QemuBridgeIT.Run run = QemuBridgeIT.start(dir, started, "ours".equals(lib), vga, args,
                "disable-ticketing=on");

        Image prompt = waitForScreen(run, dir.resolve("wait-prompt.ppm"),
                img -> !img.blank() && img.inkInRows(PROMPT_TOP, PROMPT_BOTTOM), 20,
                what + ": SeaBIOS did not show \"Press ESC for boot menu\"");
        long promptMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        double first = clientMatchesScreendump(run, dir, "prompt", what);

        sendEscape(run, dir.resolve("key-client.log"), what);
        waitForScreen(run, dir.resolve("wait-menu.ppm"),
                img -> img.equality(prompt) < MIN_EQUAL && img.inkInRows(MENU_ENTRY_TOP, MENU_ENTRY_BOTTOM), 10,
                what + ": ESC sent through the client did not open SeaBIOS's boot menu");
        Thread.sleep(300); // let SeaBIOS finish drawing the menu
        double second = clientMatchesScreendump(run, dir, "boot-menu", what);

        String replies = QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"quit\"}");
        assertEquals(0, QemuBridgeIT.waitExit(run.process()), what + ": QEMU exit code; " + replies);
        if (qxl) {
            String stderr = Files.readString(run.stderr());
            assertTrue(stderr.contains("qxl_send_events 0 " + QXL_INTERRUPT_CLIENT), what
                    + ": the device never heard of the clients (set_client_capabilities): " + stderr);
            assertFalse(stderr.contains("spice-server bug"), what + ": a device event while the VM was stopped: "
                    + stderr);
        }
        System.out.printf(Locale.ROOT, "QemuDisplayIT %s: prompt after %d ms, equal %s, boot menu equal %s, total %d ms%n",
                what, promptMillis, percent(first), percent(second),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }
}
