package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.spicejava.ffi.it.QemuDisplayIT.Image;

/**
 * The native QXL path with a real guest driver: Debian's kernel boots (direct kernel boot, TCG) an initramfs built by
 * {@code scripts/make-qxl-guest}, whose /init loads the qxl DRM driver; fbcon then draws the console through the QXL
 * command ring (DRAW_COPY of 32-bit top-down bitmaps onto primary surface 0, created with QXL_IO_CREATE_PRIMARY).
 * A small KMS program in the guest ({@code scripts/qxl-guest-kms.c}) then sets a 64x64 alpha cursor and moves it
 * (cursor ring), switches to an 800x600 framebuffer (primary surface destroyed and recreated), draws a dirty
 * rectangle and switches back to fbcon at 1024x768; /init writes a known picture on tty1 (a blue banner, coloured
 * bars, text) and prints GUEST-READY on the serial port. Then Debian's {@code spicy-screenshot} must see what QMP
 * {@code screendump} shows; in native mode QEMU renders the screendump through spice's update_area, so this checks
 * the server's own rendering of the guest's commands as well as what it sends to a client. A spice-gtk client with
 * the cursor channel ({@code scripts/spice-display-client.py}) must then get the guest's cursor shape and the same
 * picture. A third client, connected from the start of the boot, watches every change live: each new primary surface
 * (VGA text modes, then the driver's 1024x768, 800x600, 1024x768) must be followed by a display MARK, and the
 * guest's cursor must reach it after the last one (the reference sends MARK and CURSOR_INIT whenever the primary
 * surface is created). Each library is its own case, so the reference passes on its own.
 *
 * <p>QEMU's qxl {@code cmdlog} property logs every command QEMU hands to the server on stderr: "qxl-0/cmd:" lines come
 * from the guest's ring (the native path), "qxl-0/vga:" lines are QEMU's own VGA-mode updates. The test asserts the
 * former exist and prints a summary of them. On failure the images, serial log and QEMU's stderr stay in the kept
 * temporary directory named in the message.
 */
class QemuQxlGuestIT {
    static final Path MAKE_GUEST = Path.of("../scripts/make-qxl-guest").toAbsolutePath();
    static final Path GUEST_DIR = Path.of("target/qxl-guest").toAbsolutePath();
    static final long BOOT_SECONDS = 60;
    static final long SETTLE_MILLIS = 1000;
    static final int PAIR_ATTEMPTS = 3;
    /** The qxl driver's fbdev mode: the native surface, not SeaBIOS/vgacon's 720x400 text mode. */
    static final String NATIVE_SIZE = "1024x768";
    /** make-qxl-guest exits with 77 when a package is missing and cannot be installed. */
    static final int EXIT_MISSING_PACKAGES = 77;
    static final Pattern GUEST_DRAW = Pattern.compile("qxl-0/(?:cmd|csr): cmd @ \\S+ (\\w+):(?: surface_id \\d+ type (\\w+))?");
    static final Path DISPLAY_CLIENT = Path.of("../scripts/spice-display-client.py").toAbsolutePath();
    /** What spice-display-client.py prints for the KMS program's cursor (its crc32 of the RGBA, seen with the reference). */
    static final String GUEST_CURSOR = "cursor-set 64x64 hot 0,0 crc 2564084f";
    static final Pattern COMPRESSION = Pattern.compile("\\[drm\\] Compression level (\\d+)");

    static Path kernel;
    static Path initrd;
    static String cmdline;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;
    private final List<Process> started = new ArrayList<>();
    /** QemuDisplayIT's screendump and spicy-screenshot helpers; its own list holds the clients it starts. */
    private final QemuDisplayIT display = new QemuDisplayIT();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
        display.killLeftovers();
    }

    @BeforeAll
    static void buildGuest() throws Exception {
        Peers.qemu();
        Peers.clients();
        Files.createDirectories(GUEST_DIR);
        Path log = GUEST_DIR.resolve("make-qxl-guest.log");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(MAKE_GUEST.toString(), GUEST_DIR.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) { // installing linux-image-amd64 runs update-initramfs: minutes
            p.destroyForcibly();
            fail("make-qxl-guest did not finish; see " + log);
        }
        String out = Files.readString(log);
        Peers.require(p.exitValue() != EXIT_MISSING_PACKAGES, "the QXL guest's packages: " + out);
        assertEquals(0, p.exitValue(), "make-qxl-guest failed: " + out);
        kernel = GUEST_DIR.resolve("vmlinuz");
        initrd = GUEST_DIR.resolve("initrd.img");
        cmdline = Files.readString(GUEST_DIR.resolve("cmdline")).strip();
        System.out.printf(Locale.ROOT, "QemuQxlGuestIT: guest ready in %s in %d ms%n", GUEST_DIR,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Boots the guest under TCG (direct kernel boot hung under this machine's KVM) with either library. */
    QemuBridgeIT.Run boot(Path dir, boolean ours) throws Exception {
        int port = QemuBridgeIT.freePort();
        List<String> command = List.of(QemuBridgeIT.QEMU.toString(), "-machine", "accel=tcg", "-m", "512",
                "-nodefaults", "-vga", "qxl", "-global", "qxl-vga.cmdlog=1", "-display", "none",
                "-serial", "file:" + dir.resolve("serial.log"),
                "-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", cmdline,
                "-spice", "port=" + port + ",addr=127.0.0.1,disable-ticketing=on",
                "-qmp", "unix:" + QemuBridgeIT.qmpSocket(dir) + ",server=on,wait=off");
        return QemuBridgeIT.launch(dir, started, ours, command, port);
    }

    static String readOrEmpty(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
    }

    /** Waits until the serial log has a GUEST-READY line; returns the log. */
    String waitForGuest(QemuBridgeIT.Run run, Path serial, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOOT_SECONDS);
        while (true) {
            String log = readOrEmpty(serial);
            if (log.lines().anyMatch(l -> l.strip().equals("GUEST-READY"))) {
                return log;
            }
            assertTrue(run.process().isAlive(), what + ": QEMU exited before GUEST-READY; serial log:\n" + log
                    + "\nstderr:\n" + readOrEmpty(run.stderr()));
            if (System.nanoTime() > deadline) {
                fail(what + ": no GUEST-READY on the serial port within " + BOOT_SECONDS + " s; serial log:\n" + log);
            }
            Thread.sleep(250);
        }
    }

    /** The guest's picture: blue banner on the first text row, then red, green and brown bars (fbcon's palette). */
    static String pictureProblem(Image img) {
        if (!img.size().equals(NATIVE_SIZE)) {
            return "size " + img.size() + ", not the qxl driver's " + NATIVE_SIZE;
        }
        int[][] probes = {{100, 8, 0x0000aa}, {100, 40, 0xaa0000}, {100, 56, 0x00aa00}, {100, 72, 0xaa5500},
                {900, 700, 0x000000}};
        for (int[] probe : probes) {
            int i = (probe[1] * img.width() + probe[0]) * 3;
            int rgb = (img.rgb()[i] & 0xff) << 16 | (img.rgb()[i + 1] & 0xff) << 8 | img.rgb()[i + 2] & 0xff;
            if (rgb != probe[2]) {
                return String.format(Locale.ROOT, "pixel (%d,%d) is %06x, expected %06x", probe[0], probe[1], rgb,
                        probe[2]);
            }
        }
        return null;
    }

    /** Counts the guest's native commands in QEMU's cmdlog output, e.g. {"draw copy": 3}. */
    static Map<String, Integer> guestCommands(String stderr) {
        Map<String, Integer> counts = new TreeMap<>();
        Matcher m = GUEST_DRAW.matcher(stderr);
        while (m.find()) {
            counts.merge(m.group(2) == null ? m.group(1) : m.group(1) + " " + m.group(2), 1, Integer::sum);
        }
        return counts;
    }

    @ParameterizedTest(name = "{0} library")
    @ValueSource(strings = {"reference", "ours"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void clientSeesWhatTheQxlDriverDrew(String lib) throws Exception {
        String what = lib + " library, qxl guest driver";
        Path dir = Files.createDirectories(work.resolve(lib));
        Path serial = dir.resolve("serial.log");
        long t0 = System.nanoTime();
        QemuBridgeIT.Run run = boot(dir, "ours".equals(lib));
        QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-status\"}"); // spice listens once QMP answers
        Path liveLog = dir.resolve("live-client.log");
        Process live = new ProcessBuilder("/usr/bin/python3", DISPLAY_CLIENT.toString(), String.valueOf(run.port()),
                "--bench", "300").redirectErrorStream(true).redirectOutput(liveLog.toFile()).start();
        started.add(live);

        String log = waitForGuest(run, serial, what);
        long readyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(log.contains("QXL-MODULES ok"), what + ": the guest could not load the qxl modules:\n" + log);
        assertTrue(log.contains("fb0: qxldrmfb frame buffer device"),
                what + ": the qxl driver did not register its framebuffer:\n" + log);
        assertTrue(log.contains("QXL-FB name=qxldrmfb size=1024,768"),
                what + ": fb0 is not the qxl driver's 1024x768 framebuffer:\n" + log);
        assertTrue(log.contains("Console: switching to colour frame buffer device"),
                what + ": fbcon did not take the console:\n" + log);
        assertTrue(log.contains("KMS done"), what + ": the guest's KMS program did not finish:\n" + log);
        Thread.sleep(SETTLE_MILLIS);

        // The guest has drawn; wait until screendump shows the picture and holds still.
        Image previous = null;
        String problem = "no screendump";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (int n = 0; ; n++) {
            Image img = display.screendump(run, dir.resolve("wait-" + (n % 2) + ".ppm"));
            problem = pictureProblem(img);
            if (problem == null && previous != null && img.equality(previous) == 1.0) {
                break;
            }
            previous = img;
            if (System.nanoTime() > deadline) {
                fail(what + ": screendump never showed the guest's picture steadily (" + problem + "); files in " + dir);
            }
            Thread.sleep(300);
        }

        double best = -1;
        String detail = "";
        for (int attempt = 1; attempt <= PAIR_ATTEMPTS; attempt++) {
            Image before = display.screendump(run, dir.resolve(attempt + "-screendump-before.ppm"));
            long c0 = System.nanoTime();
            Image client = display.clientPicture(run, dir.resolve(attempt + "-client.ppm"),
                    dir.resolve(attempt + "-client.log"), what);
            long clientMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - c0);
            Image after = display.screendump(run, dir.resolve(attempt + "-screendump-after.ppm"));
            double eq = Math.max(client.equality(before), client.equality(after));
            String clientProblem = pictureProblem(client);
            System.out.printf(Locale.ROOT, "QemuQxlGuestIT %s, attempt %d: client %s in %d ms, screendump %s, equal"
                            + " pixels %s (before) %s (after)%s%n", what, attempt, client.size(), clientMillis,
                    after.size(), QemuDisplayIT.percent(client.equality(before)),
                    QemuDisplayIT.percent(client.equality(after)),
                    clientProblem == null ? "" : ", client picture: " + clientProblem);
            if (eq >= QemuDisplayIT.MIN_EQUAL && clientProblem == null) {
                best = eq;
                break;
            }
            if (eq > best) {
                best = eq;
                detail = client.size().equals(after.size()) ? "" : " (client " + client.size() + ", screendump "
                        + after.size() + ")";
                if (clientProblem != null) {
                    detail += "; client picture: " + clientProblem;
                }
            }
            if (attempt == PAIR_ATTEMPTS) {
                fail(what + ": the client's picture equals QMP screendump in only " + QemuDisplayIT.percent(best)
                        + " of pixels" + detail + " after " + PAIR_ATTEMPTS + " attempts (need "
                        + QemuDisplayIT.percent(QemuDisplayIT.MIN_EQUAL) + "); files in " + dir);
            }
            Thread.sleep(300);
        }

        String stderr = readOrEmpty(run.stderr());
        Map<String, Integer> commands = guestCommands(stderr);
        assertTrue(commands.getOrDefault("draw copy", 0) > 0,
                what + ": QEMU's cmdlog shows no DRAW_COPY from the guest's ring (qxl-0/cmd), so the picture did not"
                        + " come through the native QXL path; commands: " + commands + "; files in " + dir);
        assertTrue(commands.getOrDefault("cursor", 0) > 0,
                what + ": QEMU's cmdlog shows no cursor command from the guest; commands: " + commands);
        assertTrue(stderr.contains("width 800 height 600"),
                what + ": QEMU's cmdlog shows no draw on the guest's 800x600 framebuffer; files in " + dir);

        // A client with the cursor channel: the guest's cursor shape, and the same picture.
        Path gtkPicture = dir.resolve("gtk-client.ppm");
        Process gtk = new ProcessBuilder("/usr/bin/python3", DISPLAY_CLIENT.toString(), String.valueOf(run.port()),
                "--dump", gtkPicture.toString(), "--settle", "500", "--timeout", "20")
                .redirectErrorStream(true).redirectOutput(dir.resolve("gtk-client.log").toFile()).start();
        started.add(gtk);
        assertTrue(gtk.waitFor(30, TimeUnit.SECONDS), what + ": spice-display-client.py did not exit");
        String gtkLog = readOrEmpty(dir.resolve("gtk-client.log"));
        assertEquals(0, gtk.exitValue(), what + ": spice-display-client.py failed: " + gtkLog);
        assertTrue(gtkLog.contains(GUEST_CURSOR), what + ": the client did not get the guest's cursor (" + GUEST_CURSOR
                + "); it printed:\n" + gtkLog);
        Image gtkImage = Image.read(gtkPicture);
        Image last = display.screendump(run, dir.resolve("gtk-screendump.ppm"));
        assertTrue(gtkImage.equality(last) >= QemuDisplayIT.MIN_EQUAL, what + ": the cursor-channel client's picture"
                + " equals screendump in only " + QemuDisplayIT.percent(gtkImage.equality(last)) + "; files in " + dir);

        live.destroy();
        live.waitFor(10, TimeUnit.SECONDS);
        String liveProblem = liveClientProblem(readOrEmpty(liveLog));

        String replies = QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"quit\"}");
        assertEquals(0, QemuBridgeIT.waitExit(run.process()), what + ": QEMU exit code; " + replies);
        System.out.printf(Locale.ROOT, "QemuQxlGuestIT %s: GUEST-READY after %d ms, equal %s, guest commands %s,"
                        + " total %d ms%n", what, readyMillis, QemuDisplayIT.percent(best), commands,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));

        // The server's set_compression_level reaches the guest through the QXL ROM, and the driver prints it.
        // With QEMU's defaults (image-compression auto_glz) the reference computes 0 (1 only for QUIC with
        // streaming-video off).
        String err = readOrEmpty(run.stderr());
        Matcher level = COMPRESSION.matcher(log);
        String compression = level.find() ? level.group(1) : "none printed";
        assertAll(what,
                () -> assertNull(liveProblem, what + ": the client connected since boot (" + liveLog + "): "
                        + liveProblem),
                () -> assertEquals("0", compression, what + ": the compression level the guest reads from the QXL"
                        + " ROM"),
                () -> assertFalse(err.contains("Exception") || err.contains("\tat "),
                        what + ": Java exception in QEMU's stderr (" + run.stderr() + ")"));
    }

    /**
     * What went wrong for the client connected since boot ("; "-separated), or null: every primary surface must be followed by a MARK
     * before the next one, the guest's 800x600 and final 1024x768 surfaces must arrive, the client must end with the
     * guest's cursor, and spice-gtk must not have rejected a message (GSpice-CRITICAL).
     */
    static String liveClientProblem(String log) {
        List<String> lines = log.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        List<String> primaries = lines.stream().filter(l -> l.startsWith("primary ")).toList();
        if (primaries.isEmpty() || primaries.stream().noneMatch(l -> l.startsWith("primary 800x600"))
                || !primaries.getLast().startsWith("primary 1024x768")) {
            return "primary surfaces " + primaries + ", expected the guest's 800x600 and then 1024x768 last";
        }
        List<String> problems = new ArrayList<>();
        List<String> unmarked = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("primary ")) {
                boolean marked = false;
                for (int j = i + 1; j < lines.size() && !lines.get(j).startsWith("primary "); j++) {
                    marked |= lines.get(j).startsWith("mark 1");
                }
                if (!marked) {
                    unmarked.add(lines.get(i));
                }
            }
        }
        if (!unmarked.isEmpty()) {
            problems.add("no display MARK after " + unmarked + " (of " + primaries + ")");
        }
        // The cursor and display channels are not ordered against each other (ours sends a replaced primary with
        // its first draws), so what counts is the cursor the client ends with: the guest's, set after the last reset.
        String lastShape = lines.stream().filter(l -> l.startsWith("cursor-set") || l.startsWith("cursor-hide"))
                .reduce((a, b) -> b).orElse("none");
        if (!lastShape.equals(GUEST_CURSOR)) {
            problems.add("the client's last cursor is \"" + lastShape + "\", not the guest's \"" + GUEST_CURSOR
                    + "\"");
        }
        String critical = lines.stream().filter(l -> l.contains("CRITICAL")).findFirst().orElse(null);
        if (critical != null) {
            problems.add("spice-gtk complained: " + critical + " (" + lines.stream()
                    .filter(l -> l.contains("CRITICAL")).count() + " lines)");
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }
}
