package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The guest agent end to end, ours and the reference in one test: the Debian desktop guest (scripts/make-desktop-guest:
 * Xorg on qxl, Debian's spice-vdagent) under Debian's QEMU, driven by a spice-gtk client (scripts/agent-check runs
 * scripts/spice-agent-client.py): the agent connects and announces its capabilities, clipboard text goes guest to
 * client and client to guest, a 10 MB file copied by the client arrives whole (its rate is printed for both).
 * Resize is left out: the guest's screen follows the client's size with neither library
 * in this guest (the config reaches the qxl device with both).
 */
class QemuAgentIT {
    static final Path MAKE_GUEST = Path.of("../scripts/make-desktop-guest").toAbsolutePath();
    static final Path AGENT_CHECK = Path.of("../scripts/agent-check").toAbsolutePath();
    static final Path OUT = Path.of("target/agent-it").toAbsolutePath();
    /** The test's own guest image, so a rebuild of the default one (an edited script, scripts/run-qemu) never races it. */
    static final Path GUEST_DIR = Path.of(System.getProperty("user.home"), ".cache", "spice-java", "desktop-guest-it");
    /** make-desktop-guest exits with 77 when a tool is missing and cannot be installed. */
    static final int EXIT_MISSING_TOOLS = 77;
    static final List<String> STEPS = List.of("agent", "g2c", "c2g", "xfer");

    @BeforeAll
    static void buildGuest() throws Exception {
        Peers.qemu();
        Peers.clients();
        Peers.reference();
        Files.createDirectories(OUT);
        Path log = OUT.resolve("make-desktop-guest.log");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(MAKE_GUEST.toString(), GUEST_DIR.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(30, TimeUnit.MINUTES)) { // a fresh machine downloads about 230 MB of packages
            p.destroyForcibly();
            fail("make-desktop-guest did not finish; see " + log);
        }
        String out = Files.readString(log);
        Peers.require(p.exitValue() != EXIT_MISSING_TOOLS, "the desktop guest's tools: " + out);
        assertEquals(0, p.exitValue(), "make-desktop-guest failed: " + out);
        System.out.printf(Locale.ROOT, "QemuAgentIT: desktop guest ready in %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /**
     * Runs the agent check with one library; returns the client's PASS/FAIL lines. A run whose QEMU never opened its
     * serial console (seen once in a loaded full suite: nothing at all in QEMU's log for a minute) is tried once more;
     * any other failure counts.
     */
    private static List<String> check(boolean reference) throws Exception {
        String who = reference ? "reference" : "ours";
        for (int attempt = 1; ; attempt++) {
            Path dir = OUT.resolve(who + (attempt == 1 ? "" : "-" + attempt));
            List<String> results = checkOnce(reference, dir);
            if (results != null || attempt == 2) {
                assertTrue(results != null, who + ": QEMU never opened its serial console; see " + dir);
                return results;
            }
        }
    }

    /** One agent check run; null when QEMU never opened its serial console. */
    private static List<String> checkOnce(boolean reference, Path dir) throws Exception {
        String who = reference ? "reference" : "ours";
        Files.createDirectories(dir);
        Path log = dir.resolve("agent-check.log");
        ProcessBuilder pb = new ProcessBuilder(AGENT_CHECK.toString(), "--no-resize").redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("OUT", dir.toString());
        pb.environment().put("GUEST_DIR", GUEST_DIR.toString());
        pb.environment().put("REFERENCE", reference ? "1" : "0");
        pb.environment().put("SPICE_PORT", String.valueOf(QemuBridgeIT.freePort()));
        pb.environment().put("TIMEOUT", "420");
        Process p = pb.start();
        if (!p.waitFor(9, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(who + ": agent check did not finish; see " + log);
        }
        List<String> lines = Files.readAllLines(log);
        if (p.exitValue() != 0 && lines.stream().anyMatch(l -> l.startsWith("no serial console"))) {
            return null;
        }
        List<String> results = lines.stream().map(l -> l.replaceFirst("^\\[\\s*[0-9.]+\\] ", ""))
                .filter(l -> l.startsWith("PASS ") || l.startsWith("FAIL ")).toList();
        assertEquals(0, p.exitValue(), who + ": " + String.join("\n", results) + "\nsee " + dir);
        return results;
    }

    @Test
    void agentAndClipboardWorkWithOursAsWithTheReference() throws Exception {
        for (boolean reference : new boolean[] {true, false}) {
            List<String> results = check(reference);
            results.stream().filter(l -> l.contains(" xfer ")).forEach(l -> System.out.printf(Locale.ROOT,
                    "QemuAgentIT %s: %s%n", reference ? "reference" : "ours", l));
            for (String step : STEPS) {
                assertTrue(results.stream().anyMatch(l -> l.startsWith("PASS " + step + " ")
                        || l.equals("PASS " + step)), (reference ? "reference" : "ours") + " " + step + ": " + results);
            }
        }
    }
}
