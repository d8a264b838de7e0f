package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's QEMU with a real spice-gtk client: ESC sent through the client's inputs channel at SeaBIOS's
 * "Press ESC for boot menu" opens the boot menu (seen in QMP screendump, and the same picture as with the
 * reference), query-spice lists the client's channels, and a password secret lets the right password in only.
 */
class QemuSessionIT {
    static final Path KEY_CLIENT = Path.of("../scripts/spice-key-client.py").toAbsolutePath();
    static final List<String> BOOT_MENU = List.of("-boot", "menu=on,splash-time=20000");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    /** Starts the key client and waits until it has sent the key (or failed). Returns its output so far. */
    Process keyClient(int port, int scancode, double holdSeconds, String password, StringBuilder output) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", KEY_CLIENT.toString(), String.valueOf(port),
                String.valueOf(scancode), String.valueOf(holdSeconds)));
        if (password != null) {
            cmd.add(password);
        }
        Process client = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        started.add(client);
        BufferedReader reader = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
            output.append(line).append('\n');
            if (line.equals("sent") || line.contains("error")) {
                break;
            }
        }
        return client;
    }

    record Outcome(byte[] before, byte[] after, String spice) {
    }

    Outcome escAtBootMenu(boolean ours) throws Exception {
        Path dir = Files.createDirectories(work.resolve(ours ? "ours" : "reference"));
        QemuBridgeIT.Run run = QemuBridgeIT.start(dir, started, ours, "std", BOOT_MENU, "disable-ticketing=on");
        Path before = dir.resolve("before.ppm");
        Path after = dir.resolve("after.ppm");
        // SeaBIOS reads ESC only once its prompt is up; a key before that is lost (and QEMU with our JVM starts
        // later than with the reference), so wait for the prompt rather than a fixed time.
        for (int i = 0; i < 100; i++) {
            QemuBridgeIT.qmp(run.qmp(), screendump(before));
            if (QemuDisplayIT.Image.read(before).inkInRows(QemuDisplayIT.PROMPT_TOP, QemuDisplayIT.PROMPT_BOTTOM)) {
                break;
            }
            Thread.sleep(200);
        }
        Thread.sleep(500);
        QemuBridgeIT.qmp(run.qmp(), screendump(before));
        StringBuilder out = new StringBuilder();
        Process client = keyClient(run.port(), 0x01, 4, null, out);
        assertTrue(out.toString().contains("sent"), out.toString());
        String spice = QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-spice\"}"); // while the client is linked
        // Wait (up to 10 s; this machine may be loaded) until the menu's first entry is drawn, then let it finish.
        Path probe = dir.resolve("probe.ppm");
        for (int i = 0; i < 50; i++) {
            QemuBridgeIT.qmp(run.qmp(), screendump(probe));
            if (QemuDisplayIT.Image.read(probe).inkInRows(QemuDisplayIT.MENU_ENTRY_TOP,
                    QemuDisplayIT.MENU_ENTRY_BOTTOM)) {
                break;
            }
            Thread.sleep(200);
        }
        Thread.sleep(500);
        QemuBridgeIT.qmp(run.qmp(), screendump(after), "{\"execute\":\"quit\"}");
        assertEquals(0, QemuBridgeIT.waitExit(run.process()));
        client.waitFor(20, TimeUnit.SECONDS);
        return new Outcome(Files.readAllBytes(before), Files.readAllBytes(after), spice);
    }

    static String screendump(Path file) {
        return "{\"execute\":\"screendump\",\"arguments\":{\"filename\":\"" + file + "\"}}";
    }

    /** Share of equal pixels between two PPM screendumps of the same size. */
    static double samePixels(byte[] a, byte[] b) {
        if (a.length != b.length) {
            return 0;
        }
        int header = 15; // "P6\n720 400\n255\n"
        long same = 0;
        long pixels = (a.length - header) / 3;
        for (int i = header; i + 2 < a.length; i += 3) {
            if (a[i] == b[i] && a[i + 1] == b[i + 1] && a[i + 2] == b[i + 2]) {
                same++;
            }
        }
        return (double) same / pixels;
    }

    @Test
    void escapeOpensTheBootMenuAsWithTheReference() throws Exception {
        Outcome reference = escAtBootMenu(false);
        Outcome ours = escAtBootMenu(true);
        assertTrue(samePixels(reference.before(), reference.after()) < 0.999, "ESC changed the reference's screen");
        assertTrue(samePixels(ours.before(), ours.after()) < 0.999, "ESC through our server changed the screen");
        assertTrue(samePixels(reference.after(), ours.after()) >= 0.999,
                "the boot menu looks the same: " + samePixels(reference.after(), ours.after()));
        for (String spice : List.of(reference.spice(), ours.spice())) {
            assertTrue(spice.contains("\"channel-type\": 1"), "main channel listed: " + spice);
            assertTrue(spice.contains("\"channel-type\": 3"), "inputs channel listed: " + spice);
        }
    }

    @Test
    void passwordSecretLetsOnlyTheRightPasswordIn() throws Exception {
        for (boolean ours : new boolean[] {false, true}) {
            Path dir = Files.createDirectories(work.resolve(ours ? "ours-pw" : "reference-pw"));
            QemuBridgeIT.Run run = QemuBridgeIT.start(dir, started, ours, "std",
                    List.of("-object", "secret,id=s0,data=s3cret"), "password-secret=s0");
            QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-status\"}");
            StringBuilder good = new StringBuilder();
            keyClient(run.port(), 0x39, 0.5, "s3cret", good).waitFor(20, TimeUnit.SECONDS);
            assertTrue(good.toString().contains("sent"), (ours ? "ours: " : "reference: ") + good);
            StringBuilder bad = new StringBuilder();
            keyClient(run.port(), 0x39, 0.5, "wrong", bad).waitFor(20, TimeUnit.SECONDS);
            assertTrue(bad.toString().contains("error-auth"), (ours ? "ours: " : "reference: ") + bad);
            String spice = QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-spice\"}", "{\"execute\":\"quit\"}");
            assertTrue(spice.contains("\"auth\": \"spice\""), spice);
            assertEquals(0, QemuBridgeIT.waitExit(run.process()));
        }
    }
}
