package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.spicejava.ffi.it.QemuDisplayIT.Image;

/**
 * More than one monitor, with real peers: Debian's QEMU and kernel, the guest of {@code scripts/make-qxl-heads-guest}
 * (Linux's qxl DRM driver driven by {@code scripts/qxl-guest-heads.c} through KMS, commands typed on its serial
 * console) and spice-gtk ({@code scripts/spice-heads-client.py}, which watches every display channel and the
 * monitors each announces). Each display shows a known picture of 32x32 tiles ({@link #tileRgb}), different per head
 * and per card.
 * <ul>
 * <li>One QXL device with two heads ({@code max_outputs=2}): Linux keeps both heads' framebuffers side by side in one
 * primary surface and describes them with QXLMonitorsConfig; spice-gtk must announce each as a monitor of display
 * channel 0 whose area of the primary equals the same area of QMP {@code screendump} of the device (QEMU 7.2 has no
 * console per QXL head: {@code screendump head=1} is refused, so the head's area of the device's picture stands for
 * it). Head 1 switched off must disappear from the monitors and come back when lit again; at no time after the
 * first two-head config may a monitor span both heads. A client connecting while one head is lit must get that one
 * head. Criteria: at least {@link QemuDisplayIT#MIN_EQUAL} of each head's pixels equal, the picture the guest drew.</li>
 * <li>The same device with QEMU's default {@code max_outputs=0}: the device allows one head, so the guest's second
 * head is not announced; ours says so in one log line.</li>
 * <li>Two QXL devices: spice-gtk gets display channels 0 and 1, each with its card's primary surface equal to
 * screendump of that device; switching the second card's head off destroys its primary, lighting it again brings it
 * back, while display 0 stays.</li>
 * </ul>
 * Each library is its own case. What the reference does differently (a late client's monitors) is printed, and
 * asserted for ours only. On failure the pictures, logs and serial output stay in the kept temporary directory.
 */
class QemuMultiHeadIT {
    static final Path MAKE_GUEST = Path.of("../scripts/make-qxl-heads-guest").toAbsolutePath();
    static final Path GUEST_DIR = Path.of("target/qxl-heads-guest").toAbsolutePath();
    static final Path CLIENT = Path.of("../scripts/spice-heads-client.py").toAbsolutePath();
    static final int EXIT_MISSING_PACKAGES = 77;
    static final long BOOT_SECONDS = 90;
    static final long STEP_SECONDS = 40;
    static final int SETTLE_MILLIS = 700;
    static final int ATTEMPTS = 3;
    static final int TILE = 32;
    static final String TWO_HEADS = "monitors 0 max 2 0:0:0,0:1024x768 1:0:1024,0:800x600";
    static final String HEAD_ZERO = "monitors 0 max 2 0:0:0,0:1024x768";
    static final String HEAD_ONE_SMALLER = "monitors 0 max 2 0:0:0,0:1024x768 1:0:1024,0:640x480";

    static Path kernel;
    static Path initrd;
    static String cmdline;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;
    private final List<Process> started = new ArrayList<>();
    private SocketChannel serial;

    @AfterEach
    void killLeftovers() throws IOException {
        started.forEach(Process::destroyForcibly);
        if (serial != null) {
            serial.close();
        }
    }

    @BeforeAll
    static void buildGuest() throws Exception {
        Peers.qemu();
        Peers.clients();
        Files.createDirectories(GUEST_DIR);
        Path log = GUEST_DIR.resolve("make-qxl-heads-guest.log");
        Process p = new ProcessBuilder(MAKE_GUEST.toString(), GUEST_DIR.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("make-qxl-heads-guest did not finish; see " + log);
        }
        String out = Files.readString(log);
        Peers.require(p.exitValue() != EXIT_MISSING_PACKAGES, "the QXL guest's packages: " + out);
        assertEquals(0, p.exitValue(), "make-qxl-heads-guest failed: " + out);
        kernel = GUEST_DIR.resolve("vmlinuz");
        initrd = GUEST_DIR.resolve("initrd.img");
        cmdline = Files.readString(GUEST_DIR.resolve("cmdline")).strip();
    }

    /** The colour of tile (tx, ty) of display {@code d} (card * 8 + head), as qxl-guest-heads.c draws it. */
    static int tileRgb(int d, int tx, int ty) {
        int r = (tx * 40 + d * 96) & 0xff;
        int g = (ty * 40 + d * 24) & 0xff;
        int b = ((tx + ty) * 24 + d * 152) & 0xff;
        return r << 16 | g << 8 | b;
    }

    static int rgb(Image img, int x, int y) {
        int i = (y * img.width() + x) * 3;
        return (img.rgb()[i] & 0xff) << 16 | (img.rgb()[i + 1] & 0xff) << 8 | img.rgb()[i + 2] & 0xff;
    }

    /** An area of a picture: where a monitor shows, or a whole card. */
    record Area(int x, int y, int width, int height) {
        boolean inside(Image img) {
            return x + width <= img.width() && y + height <= img.height();
        }

        @Override
        public String toString() {
            return width + "x" + height + "+" + x + "+" + y;
        }
    }

    /** Share of the area's pixels equal in both pictures (0 when it does not fit in one of them). */
    static double equality(Image a, Image b, Area r) {
        if (!r.inside(a) || !r.inside(b)) {
            return 0;
        }
        long same = 0;
        for (int y = r.y(); y < r.y() + r.height(); y++) {
            for (int x = r.x(); x < r.x() + r.width(); x++) {
                same += rgb(a, x, y) == rgb(b, x, y) ? 1 : 0;
            }
        }
        return (double) same / ((long) r.width() * r.height());
    }

    /** Share of the area's pixels that show display {@code d}'s picture. */
    static double picture(Image a, Area r, int d) {
        if (!r.inside(a)) {
            return 0;
        }
        long same = 0;
        for (int y = 0; y < r.height(); y++) {
            for (int x = 0; x < r.width(); x++) {
                same += rgb(a, r.x() + x, r.y() + y) == tileRgb(d, x / TILE, y / TILE) ? 1 : 0;
            }
        }
        return (double) same / ((long) r.width() * r.height());
    }

    /** One QEMU with the heads guest, its serial console and a spice-gtk client watching since boot. */
    final class Vm {
        final String what;
        final Path dir;
        final QemuBridgeIT.Run run;
        final Path serialLog;
        Client client;
        int commands;

        Vm(String lib, String name, List<String> devices) throws Exception {
            what = lib + " library, " + name;
            if (!"ours".equals(lib)) {
                Peers.reference();
            }
            dir = Files.createDirectories(work.resolve(lib + "-" + name.replaceAll("[^A-Za-z0-9]+", "-")));
            serialLog = dir.resolve("serial.log");
            int port = QemuBridgeIT.freePort();
            List<String> command = new ArrayList<>(List.of(QemuBridgeIT.QEMU.toString(), "-machine", "accel=tcg",
                    "-m", "512", "-nodefaults", "-display", "none"));
            command.addAll(devices);
            command.addAll(List.of("-chardev", "socket,id=ser0,path=" + dir.resolve("serial.sock") + ",server=on,"
                            + "wait=off,logfile=" + serialLog, "-serial", "chardev:ser0",
                    "-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", cmdline,
                    "-spice", "port=" + port + ",addr=127.0.0.1,disable-ticketing=on",
                    "-qmp", "unix:" + QemuBridgeIT.qmpSocket(dir) + ",server=on,wait=off"));
            run = QemuBridgeIT.launch(dir, started, "ours".equals(lib), command, port);
            QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-status\"}"); // spice listens once QMP answers
            serial = SocketChannel.open(StandardProtocolFamily.UNIX);
            serial.connect(UnixDomainSocketAddress.of(dir.resolve("serial.sock")));
            Thread drain = new Thread(() -> { // the log file keeps the output; the socket only needs reading
                ByteBuffer b = ByteBuffer.allocate(8192);
                try {
                    while (serial.read(b.clear()) >= 0) {
                        // discard
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            drain.setDaemon(true);
            drain.start();
            client = new Client(dir.resolve("client.log"), port);
            waitSerial("GUEST-READY", 1, BOOT_SECONDS);
        }

        String serialText() throws IOException {
            return QemuQxlGuestIT.readOrEmpty(serialLog);
        }

        void waitSerial(String marker, int count, long seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                String log = serialText();
                if (log.split(Pattern.quote(marker), -1).length - 1 >= count) {
                    return;
                }
                assertTrue(run.process().isAlive(), what + ": QEMU exited; serial log:\n" + log + "\nstderr:\n"
                        + QemuQxlGuestIT.readOrEmpty(run.stderr()));
                if (System.nanoTime() > deadline) {
                    fail(what + ": no \"" + marker + "\" (" + count + ") on the serial console within " + seconds
                            + " s; files in " + dir + "; serial log:\n" + log);
                }
                Thread.sleep(200);
            }
        }

        /** Types a command for qxl-guest-heads and waits for its answer line. */
        void guest(String line, String answer) throws Exception {
            int before = serialText().split(Pattern.quote(answer), -1).length - 1;
            serial.write(ByteBuffer.wrap((line + "\r").getBytes(StandardCharsets.US_ASCII)));
            waitSerial(answer, before + 1, STEP_SECONDS);
            String log = serialText();
            assertFalse(log.contains("HEADS error"), what + ": the guest program failed: " + log);
        }

        Image screendump(String device, Path file) throws Exception {
            Files.deleteIfExists(file);
            String reply = QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"screendump\",\"arguments\":{\"filename\":\""
                    + file + "\",\"device\":\"" + device + "\"}}");
            assertTrue(reply.contains("\"return\"") && Files.exists(file), what + ": screendump failed: " + reply);
            return Image.read(file);
        }

        String qmpScreendumpHead(String device, int head) throws Exception {
            return QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"screendump\",\"arguments\":{\"filename\":\""
                    + dir.resolve("head" + head + ".ppm") + "\",\"device\":\"" + device + "\",\"head\":" + head + "}}");
        }

        void quit() throws Exception {
            if (client != null) {
                client.quit();
            }
            String replies = QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"quit\"}");
            assertEquals(0, QemuBridgeIT.waitExit(run.process()), what + ": QEMU exit code; " + replies);
        }
    }

    /** spice-heads-client.py: events in its log, pictures on demand. */
    final class Client {
        final Path log;
        final Process process;
        final Writer in;
        int dumps;

        Client(Path log, int port) throws IOException {
            this.log = log;
            process = new ProcessBuilder("/usr/bin/python3", CLIENT.toString(), String.valueOf(port))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            started.add(process);
            in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
        }

        List<String> lines() throws IOException {
            return QemuQxlGuestIT.readOrEmpty(log).lines().map(String::strip).toList();
        }

        /** Waits until the log's lines satisfy {@code done}; returns them. */
        List<String> waitFor(Predicate<List<String>> done, String why, String what) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_SECONDS);
            while (true) {
                List<String> lines = lines();
                if (done.test(lines)) {
                    return lines;
                }
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    fail(what + ": " + why + " (client " + (process.isAlive() ? "still running" : "exited") + "); it"
                            + " printed:\n" + String.join("\n", lines));
                }
                Thread.sleep(200);
            }
        }

        /** Each display channel's primary surface once it has been still for a while, by channel id. */
        List<Image> dump(Path prefix, String what) throws Exception {
            int n = ++dumps;
            in.write("dump " + prefix + " " + SETTLE_MILLIS + "\n");
            in.flush();
            List<String> lines = waitFor(l -> l.stream().filter("dump-done"::equals).count() >= n,
                    "no pictures from the client", what);
            List<Image> images = new ArrayList<>();
            for (int channel = 0; channel < 8; channel++) {
                Path file = Path.of(prefix + "-" + channel + ".ppm");
                String dumped = "dumped " + channel + " ";
                boolean now = false;
                int done = 0;
                for (String l : lines) { // this dump's lines only: those after the previous dump-done
                    if (l.equals("dump-done")) {
                        done++;
                    } else if (done == n - 1 && l.startsWith(dumped)) {
                        now = true;
                    }
                }
                images.add(now ? Image.read(file) : null);
            }
            return images;
        }

        void quit() throws Exception {
            if (process.isAlive()) {
                in.write("quit\n");
                in.flush();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Whether {@code lines} from index {@code from} on hold lines starting with each prefix, in this order. */
    static boolean inOrder(List<String> lines, int from, String... prefixes) {
        int i = from;
        for (String p : prefixes) {
            while (i < lines.size() && !lines.get(i).startsWith(p)) {
                i++;
            }
            if (i == lines.size()) {
                return false;
            }
            i++;
        }
        return true;
    }

    /** The area of monitor {@code index} in a "monitors ..." line ("id:surface:x,y:wxh"), or null. */
    static Area monitorArea(String monitors, int index) {
        String[] words = monitors.split(" ");
        if (words.length <= 4 + index) {
            return null;
        }
        String[] f = words[4 + index].split(":");
        String[] xy = f[2].split(",");
        String[] wh = f[3].split("x");
        return new Area(Integer.parseInt(xy[0]), Integer.parseInt(xy[1]), Integer.parseInt(wh[0]),
                Integer.parseInt(wh[1]));
    }

    static String javaProblems(Vm vm) throws IOException {
        String err = QemuQxlGuestIT.readOrEmpty(vm.run.stderr());
        return err.contains("Exception") || err.contains("\tat ") ? "Java exception in QEMU's stderr (" + vm.run.stderr()
                + ")" : null;
    }

    @ParameterizedTest(name = "{0} library")
    @ValueSource(strings = {"reference", "ours"})
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void oneDeviceWithTwoHeads(String lib) throws Exception {
        long t0 = System.nanoTime();
        Vm vm = new Vm(lib, "one QXL device with two heads", List.of("-device", "qxl-vga,id=video0,max_outputs=2"));
        String headOne = vm.qmpScreendumpHead("video0", 1);
        Area head0 = new Area(0, 0, 1024, 768);
        vm.guest("show 0 0 1024 768", "HEADS shown 0 0");
        vm.guest("show 0 1 800 600", "HEADS shown 0 1");
        vm.guest("redraw 0 0", "HEADS redrawn 0 0");
        vm.client.waitFor(l -> lastMonitors(l, 0).equals(TWO_HEADS), "never announced both heads (" + TWO_HEADS + ")",
                vm.what);
        List<String> figures = new ArrayList<>(compare(vm, "two-heads", 0, "video0",
                List.of(head0, new Area(1024, 0, 800, 600)), List.of(0, 1)));

        // Head 1 off: the driver announces head 0 alone, destroys its primary; set again, head 0 gets a new one.
        int from = vm.client.lines().size();
        vm.guest("off 0 1", "HEADS off 0 1");
        vm.guest("redraw 0 0", "HEADS redrawn 0 0");
        vm.client.waitFor(l -> inOrder(l, from, HEAD_ZERO, "primary-destroy 0", "primary 0 ", "mark 0 1"),
                "head 1 switched off: no " + HEAD_ZERO + ", then a new primary surface", vm.what);
        figures.addAll(compare(vm, "head-1-off", 0, "video0", List.of(head0), List.of(0)));
        String afterOff = lastMonitors(vm.client.lines(), 0);

        int again = vm.client.lines().size();
        vm.guest("show 0 1 640 480", "HEADS shown 0 1");
        vm.guest("redraw 0 0", "HEADS redrawn 0 0");
        vm.client.waitFor(l -> inOrder(l, again, "primary 0 ") && lastMonitors(l, 0).equals(HEAD_ONE_SMALLER),
                "head 1 lit again at 640x480: never announced (" + HEAD_ONE_SMALLER + ")", vm.what);
        figures.addAll(compare(vm, "head-1-again", 0, "video0", List.of(head0, new Area(1024, 0, 640, 480)),
                List.of(0, 1)));

        // Everything the client was told once the guest described two heads: the guest's heads only.
        List<String> seen = vm.client.lines();
        List<String> monitors = seen.subList(seen.indexOf(TWO_HEADS), seen.size()).stream()
                .filter(l -> l.startsWith("monitors 0 ")).toList();
        List<String> foreign = monitors.stream()
                .filter(l -> !List.of(TWO_HEADS, HEAD_ZERO, HEAD_ONE_SMALLER).contains(l)).toList();

        // A client that connects while one head is lit.
        vm.client.quit();
        vm.guest("off 0 1", "HEADS off 0 1");
        vm.guest("redraw 0 0", "HEADS redrawn 0 0");
        Thread.sleep(1000);
        Client late = new Client(vm.dir.resolve("late-client.log"), vm.run.port());
        vm.client = late;
        List<Image> lateImages = late.dump(vm.dir.resolve("late-client"), vm.what);
        String lateMonitors = lastMonitors(late.lines(), 0);
        Image lateScreendump = vm.screendump("video0", vm.dir.resolve("late-screendump.ppm"));
        Area lateArea = monitorArea(lateMonitors, 0);
        double lateEqual = lateArea == null || lateImages.get(0) == null ? 0
                : equality(lateImages.get(0), lateScreendump, lateArea);
        String problem = javaProblems(vm);
        vm.quit();
        System.out.printf(Locale.ROOT, "QemuMultiHeadIT %s: screendump head=1 says %s; %s; monitors after head 1"
                        + " off: %s; monitors seen since two heads: %s; a client connecting with one head lit gets %s,"
                        + " its monitor 0 (%s) equals screendump (%s) in %s; %d ms%n", vm.what,
                headOne.contains("\"error\"") ? "error " + headOne.replaceAll("(?s).*\"desc\": \"([^\"]*)\".*", "$1")
                        : "ok", String.join("; ", figures), afterOff, monitors, lateMonitors, lateArea,
                lateScreendump.size(), QemuDisplayIT.percent(lateEqual),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        List<Executable> checks = new ArrayList<>(List.of(
                () -> assertEquals(HEAD_ZERO, afterOff, vm.what + ": with head 1 off and a new primary surface, the"
                        + " client must show head 0 alone"),
                () -> assertEquals(List.of(), foreign, vm.what + ": monitors other than the guest's heads were"
                        + " announced after the guest described two heads (all: " + monitors + ")"),
                () -> assertEquals(null, problem, vm.what)));
        if ("ours".equals(lib)) { // the reference gives a late client one head over the whole primary surface
            checks.add(() -> assertEquals(HEAD_ZERO, lateMonitors, vm.what + ": a client connecting with head 1"
                    + " off must get head 0 alone"));
            checks.add(() -> assertTrue(lateEqual >= QemuDisplayIT.MIN_EQUAL, vm.what + ": the late client's"
                    + " monitor equals screendump in only " + QemuDisplayIT.percent(lateEqual)));
        }
        assertAll(vm.what, checks);
    }

    @ParameterizedTest(name = "{0} library")
    @ValueSource(strings = {"reference", "ours"})
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aSecondHeadTheDeviceDoesNotAllowIsNotAnnounced(String lib) throws Exception {
        Vm vm = new Vm(lib, "one QXL device, default max_outputs", List.of("-device", "qxl-vga,id=video0"));
        String one = "monitors 0 max 1 0:0:0,0:1024x768";
        int from = vm.client.lines().size();
        vm.guest("show 0 0 1024 768", "HEADS shown 0 0");
        vm.guest("show 0 1 800 600", "HEADS shown 0 1");
        vm.guest("redraw 0 0", "HEADS redrawn 0 0");
        vm.client.waitFor(l -> inOrder(l, from, "primary 0 1824x768", "mark 0 1") && lastMonitors(l, 0).equals(one),
                "the guest lit two heads on a one-head device: expected a 1824x768 primary and " + one, vm.what);
        List<String> figures = compare(vm, "head-0", 0, "video0", List.of(new Area(0, 0, 1024, 768)), List.of(0));
        List<String> twoHeaded = vm.client.lines().stream().filter(l -> l.startsWith("monitors 0 ")
                && l.split(" ").length > 5).toList();
        String err = QemuQxlGuestIT.readOrEmpty(vm.run.stderr());
        long lines = err.lines().filter(l -> l.contains("2 heads, the device allows 1: heads past 1 dropped")).count();
        String problem = javaProblems(vm);
        vm.quit();
        System.out.printf(Locale.ROOT, "QemuMultiHeadIT %s: %s; monitors with more than one head: %s; log lines about"
                + " the second head: %d%n", vm.what, String.join("; ", figures), twoHeaded, lines);
        assertAll(vm.what,
                () -> assertEquals(List.of(), twoHeaded, vm.what + ": the device allows one head"),
                () -> assertEquals(null, problem, vm.what),
                () -> assertTrue(!"ours".equals(lib) || lines >= 1, vm.what + ": no log line about the head dropped"));
    }

    @ParameterizedTest(name = "{0} library")
    @ValueSource(strings = {"reference", "ours"})
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void twoDevices(String lib) throws Exception {
        long t0 = System.nanoTime();
        Vm vm = new Vm(lib, "two QXL devices", List.of("-device", "qxl-vga,id=video0", "-device", "qxl,id=video1"));
        int from = vm.client.lines().size();
        vm.guest("show 0 0 1024 768", "HEADS shown 0 0");
        vm.guest("show 1 0 800 600", "HEADS shown 1 0");
        vm.client.waitFor(l -> l.contains("display 0") && l.contains("display 1")
                        && inOrder(l, from, "primary 1 800x600", "mark 1 1")
                        && l.stream().filter(x -> x.startsWith("primary 0 ")).reduce((a, b) -> b).orElse("")
                        .equals("primary 0 1024x768"),
                "expected display channels 0 and 1 with primary surfaces of 1024x768 and 800x600", vm.what);
        List<String> figures = new ArrayList<>(compare(vm, "card-0", 0, "video0", List.of(new Area(0, 0, 1024, 768)),
                List.of(0)));
        figures.addAll(compare(vm, "card-1", 1, "video1", List.of(new Area(0, 0, 800, 600)), List.of(8)));
        List<Image> wholes = vm.client.dump(vm.dir.resolve("sizes"), vm.what);
        String sizes = wholes.get(0).size() + " and " + wholes.get(1).size();

        int off = vm.client.lines().size();
        vm.guest("off 1 0", "HEADS off 1 0");
        vm.client.waitFor(l -> inOrder(l, off, "primary-destroy 1"), "card 1's head off: its primary stays", vm.what);
        Thread.sleep(1000);
        List<String> gone0 = vm.client.lines().subList(off, vm.client.lines().size()).stream()
                .filter(l -> l.startsWith("primary-destroy 0")).toList();

        int back = vm.client.lines().size();
        vm.guest("show 1 0 640 480", "HEADS shown 1 0");
        vm.client.waitFor(l -> inOrder(l, back, "primary 1 640x480", "mark 1 1"),
                "card 1's head lit again at 640x480: no new primary on display 1", vm.what);
        figures.addAll(compare(vm, "card-1-again", 1, "video1", List.of(new Area(0, 0, 640, 480)), List.of(8)));
        String problem = javaProblems(vm);
        vm.quit();
        System.out.printf(Locale.ROOT, "QemuMultiHeadIT %s: client primaries %s; %s; display 0 destroyed while card 1"
                        + " was off: %s; %d ms%n", vm.what, sizes, String.join("; ", figures), gone0,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertAll(vm.what,
                () -> assertEquals("1024x768 and 800x600", sizes, vm.what + ": each card's whole primary"),
                () -> assertEquals(List.of(), gone0, vm.what + ": card 1 off must leave display 0 alone"),
                () -> assertEquals(null, problem, vm.what));
    }

    /** The last "monitors CHANNEL ..." line. */
    static String lastMonitors(List<String> lines, int channel) {
        return lines.stream().filter(l -> l.startsWith("monitors " + channel + " ")).reduce((a, b) -> b).orElse("");
    }

    /**
     * Compares the client's picture of each area with the same area of the device's screendump (before and after the
     * client's, the best of {@link #ATTEMPTS}); returns the figures per area and asserts them and the guest's pictures.
     */
    List<String> compare(Vm vm, String stage, int channel, String device, List<Area> areas, List<Integer> pictures)
            throws Exception {
        double[] best = new double[areas.size()];
        double[] drawn = new double[areas.size()];
        String sizes = "";
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Image before = vm.screendump(device, vm.dir.resolve(stage + "-" + attempt + "-screendump-before.ppm"));
            Image client = vm.client.dump(vm.dir.resolve(stage + "-" + attempt + "-client"), vm.what).get(channel);
            Image after = vm.screendump(device, vm.dir.resolve(stage + "-" + attempt + "-screendump-after.ppm"));
            assertTrue(client != null, vm.what + ", " + stage + ": the client has no primary surface on display "
                    + channel);
            sizes = "client " + client.size() + ", screendump " + after.size();
            boolean all = true;
            for (int i = 0; i < areas.size(); i++) {
                Area a = areas.get(i);
                best[i] = Math.max(best[i], Math.max(equality(client, before, a), equality(client, after, a)));
                drawn[i] = Math.max(drawn[i], picture(client, a, pictures.get(i)));
                all &= best[i] >= QemuDisplayIT.MIN_EQUAL && drawn[i] >= QemuDisplayIT.MIN_EQUAL;
            }
            if (all) {
                break;
            }
            Thread.sleep(300);
        }
        List<String> figures = new ArrayList<>();
        for (int i = 0; i < areas.size(); i++) {
            figures.add(String.format(Locale.ROOT, "%s %s equal %s, picture %s", stage, areas.get(i),
                    QemuDisplayIT.percent(best[i]), QemuDisplayIT.percent(drawn[i])));
        }
        System.out.printf(Locale.ROOT, "QemuMultiHeadIT %s, display %d (%s): %s%n", vm.what, channel, sizes,
                String.join("; ", figures));
        for (int i = 0; i < areas.size(); i++) {
            assertTrue(best[i] >= QemuDisplayIT.MIN_EQUAL, vm.what + ", " + stage + ": the client's " + areas.get(i)
                    + " equals screendump in only " + QemuDisplayIT.percent(best[i]) + " (" + sizes + "); files in "
                    + vm.dir);
            assertTrue(drawn[i] >= QemuDisplayIT.MIN_EQUAL, vm.what + ", " + stage + ": the client's " + areas.get(i)
                    + " shows the guest's picture " + pictures.get(i) + " in only " + QemuDisplayIT.percent(drawn[i])
                    + "; files in " + vm.dir);
        }
        return figures;
    }
}
