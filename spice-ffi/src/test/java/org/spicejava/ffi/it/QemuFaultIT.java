package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults with Debian's QEMU and real clients, the same steps with the reference library and with ours, on one QEMU
 * per library running the guest of scripts/make-fault-guest (the qxl DRM driver's console, and /dev/urandom written
 * into its framebuffer on command: the native QXL path under a worst-case drawing load):
 * <ol>
 * <li>{@code stop} while the guest draws, and a fresh client while it is stopped; {@code stop}/{@code cont} while the
 * guest draws and a spice-gtk client is attached;
 * <li>{@value #CHURN_PER_SECOND_DEFAULT} connections a second (complete links and half links) for
 * {@code fault.churn.seconds} (default {@value #CHURN_SECONDS_DEFAULT}; the full minute with
 * {@code -Dfault.churn.seconds=60}), while QMP must keep answering;
 * <li>{@code system_reset}, then savevm and loadvm, while the guest draws and a client is attached;
 * <li>last, display clients SIGKILLed mid-frame, raw display channels reset mid-stream, spicy-screenshot killed
 * while it links, raw connections cut inside the link message or before the ticket. The reference's SPICE worker
 * thread crashed here (SIGSEGV, a NULL read in libspice-server, during the raw display channels) in every run that
 * had them, taking QEMU with it; QEMU's survival is therefore asserted for ours only, and the reference's row says so.
 * </ol>
 * After each: QEMU answers QMP and lists no leftover channel, the attached client was not dropped, QEMU's open fds
 * and RSS are back near where they were before the fault, and a fresh client sees QMP screendump again. The recovery
 * time runs from the end of the fault's steps (the attached client closed, the guest told to hold still) to the
 * first fresh client's picture that equals screendump. The figures of both libraries go to System.out and
 * to target/fault-figures.txt.
 *
 * <p>Tolerances: fds may be {@value #FD_SLACK} above the start (a socket the kernel has not finished closing when we
 * look). QEMU's RSS is split using /proc/PID/smaps: guest RAM (a named memfd backend) and TCG's translation cache grow
 * with every reboot or loadvm whatever the SPICE server does, so only the rest ("other": QEMU's and the server's own
 * memory, and the video memory) is checked. It may grow {@value #RSS_SLACK_MB} MB per fault (glibc keeps freed
 * memory in its arenas; our JVM's heap, -Xmx64m, grows in steps until a full GC (the churn's RSA keys are garbage
 * by the megabyte: +29 MB there, given back in the next fault), C2 compiles the paths a fault makes hot into a code
 * cache of up to 32 MB, and killed clients leave pooled pixel buffers and GLZ copies to their allocator: single
 * faults of ours were seen at +36 MB, while the start-to-end bound below stays that of the heap), {@value #RSS_SLACK_REBOOT_MB} MB after
 * a reset or loadvm (the guest's driver starts over and touches more of the video memory: the reference grows by
 * 10-14 MB there too), and {@value #RSS_SLACK_TOTAL_MB} MB from the first fault's start to the last's end (the JVM's
 * heap limit). A leak per connection shows up in the churn's hundreds of connections, where the reference stays
 * within 0.1 MB.
 */
class QemuFaultIT {
    static final Path MAKE_FAULT_GUEST = Path.of("../scripts/make-fault-guest").toAbsolutePath();
    static final Path GUEST_DIR = Path.of("target/fault-guest").toAbsolutePath();
    static final Path FIGURES_FILE = Path.of("target/fault-figures.txt").toAbsolutePath();
    static final long CHURN_SECONDS_DEFAULT = 15;
    static final int CHURN_PER_SECOND_DEFAULT = 20;
    static final long CHURN_SECONDS = Long.getLong("fault.churn.seconds", CHURN_SECONDS_DEFAULT);
    static final int CHURN_PER_SECOND = Integer.getInteger("fault.churn.rate", CHURN_PER_SECOND_DEFAULT);
    static final int FD_SLACK = 2;
    static final long RSS_SLACK_MB = 48;
    static final long RSS_SLACK_REBOOT_MB = 48;
    static final long RSS_SLACK_TOTAL_MB = 64;
    static final long SETTLE_SECONDS = 10;
    /** QEMU's main loop must answer QMP within this during the churn; this loaded machine alone delays it up to ~1 s. */
    static final long QMP_MAX_MILLIS = 2500;
    static final FaultFigures FIGURES = new FaultFigures();

    static Path kernel;
    static Path initrd;
    static String cmdline;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;
    private final List<Process> started = new ArrayList<>();
    private final QemuDisplayIT display = new QemuDisplayIT();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
        display.killLeftovers();
    }

    @BeforeAll
    static void buildGuest() throws Exception {
        QemuQxlGuestIT.buildGuest(); // checks the peers; skips or fails like the QXL guest test when they are missing
        Process p = new ProcessBuilder(MAKE_FAULT_GUEST.toString(), QemuQxlGuestIT.GUEST_DIR.toString(),
                GUEST_DIR.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "make-fault-guest failed: " + out);
        kernel = GUEST_DIR.resolve("vmlinuz");
        initrd = GUEST_DIR.resolve("initrd.img");
        cmdline = Files.readString(GUEST_DIR.resolve("cmdline")).strip();
    }

    @AfterAll
    static void printFigures() throws Exception {
        if (FIGURES.rows().isEmpty()) {
            return;
        }
        String heading = String.format(Locale.ROOT, "QemuFaultIT figures (churn %d s at %d/s; tolerances: fds +%d;"
                        + " RSS outside guest RAM and TCG (\"other\") +%d MB per fault, +%d MB after a reset or loadvm,"
                        + " +%d MB from start to end)", CHURN_SECONDS, CHURN_PER_SECOND, FD_SLACK, RSS_SLACK_MB,
                RSS_SLACK_REBOOT_MB, RSS_SLACK_TOTAL_MB);
        System.out.println(heading);
        System.out.print(FIGURES.table());
        FIGURES.write(FIGURES_FILE, heading);
    }

    /**
     * One fault's steps; returns System.nanoTime() once they are over, the attached client closed and the guest holding
     * still (recovery is timed from there), and notes anything worth a column.
     */
    interface Steps {
        long run(StringBuilder note) throws Exception;
    }

    /**
     * A fault, what to wait for between the recovery and the usage sample (a reboot to finish), and how much the RSS
     * outside guest RAM may grow.
     */
    record Fault(String name, Steps steps, Step afterRecovery, long rssSlackMb) {
        Fault(String name, Steps steps) {
            this(name, steps, () -> { }, RSS_SLACK_MB);
        }

        Fault(String name, Steps steps, Step afterRecovery) {
            this(name, steps, afterRecovery, RSS_SLACK_MB);
        }
    }

    List<Fault> faults(String lib, FaultGuest guest, FaultClients clients, Path dir, FaultChecks checks) {
        long[] ready = {0};
        return List.of(
                // The picture a client gets of a stopped guest: what the server flushed to the guest's surface at stop.
                new Fault("fresh client while stopped", note -> {
                    guest.draw();
                    Thread.sleep(1000);
                    assertReturn(guest.qmp("{\"execute\":\"stop\"}"), "stop");
                    return System.nanoTime();
                }, () -> {
                    assertReturn(guest.qmp("{\"execute\":\"cont\"}"), "cont");
                    guest.still();
                }),
                new Fault("stop/cont while drawing", note -> {
                    attachedDuring(guest, clients, dir.resolve("stop"), checks, "stop/cont", () -> {
                        assertReturn(guest.qmp("{\"execute\":\"stop\"}"), "stop");
                        Thread.sleep(1000);
                        assertReturn(guest.qmp("{\"execute\":\"cont\"}"), "cont");
                    });
                    guest.still();
                    return System.nanoTime();
                }),
                new Fault("churn " + CHURN_PER_SECOND + "/s for " + CHURN_SECONDS + " s", note -> {
                    FaultClients.Churn churn;
                    long qmpMax;
                    try (QmpPinger pinger = new QmpPinger(guest)) {
                        churn = clients.churn(CHURN_SECONDS, CHURN_PER_SECOND);
                        qmpMax = pinger.maxMillis();
                    }
                    long end = System.nanoTime();
                    note.append(String.format(Locale.ROOT, "%d links (%d failed, median %d ms, max %d ms), %d half,"
                                    + " %.1f/s; QMP answered within %d ms", churn.complete(), churn.completeFailed(),
                            churn.medianLinkMillis(), churn.maxLinkMillis(), churn.half(), churn.perSecond(), qmpMax));
                    checks.check(churn.completeFailed() == 0, "churn: " + churn.completeFailed() + " of "
                            + churn.complete() + " complete links failed, first: " + churn.firstFailure());
                    checks.check(churn.perSecond() >= 0.9 * CHURN_PER_SECOND, "churn: only "
                            + churn.perSecond() + " connections a second");
                    checks.check(qmpMax <= QMP_MAX_MILLIS, "churn: QMP query-status took " + qmpMax + " ms (QEMU's"
                            + " main loop, which links SPICE clients, was blocked)");
                    return end;
                }),
                new Fault("system_reset while drawing", note -> {
                    ready[0] = guest.count("GUEST-READY");
                    attachedDuring(guest, clients, dir.resolve("reset"), checks, "system_reset", () ->
                            assertReturn(guest.qmp("{\"execute\":\"system_reset\"}"), "system_reset"));
                    return System.nanoTime(); // the guest reboots and does not draw
                }, () -> guest.awaitReady(ready[0], lib + ": reboot after system_reset"), RSS_SLACK_REBOOT_MB),
                new Fault("savevm/loadvm while drawing", note -> {
                    attachedDuring(guest, clients, dir.resolve("savevm"), checks, "savevm/loadvm", () -> {
                        guest.hmp("savevm fault1");
                        Thread.sleep(1000);
                        guest.hmp("loadvm fault1");
                    });
                    guest.still();
                    return System.nanoTime();
                }, () -> { }, RSS_SLACK_REBOOT_MB),
                // Last: the reference's SPICE worker was seen to crash here, and its QEMU with it.
                new Fault("kills mid-frame and mid-link", note -> {
                    Path kills = Files.createDirectories(dir.resolve("kills"));
                    guest.draw();
                    stage(guest, note, "display clients SIGKILLed mid-frame", () -> clients.killMidFrame(4, kills));
                    // Many, as our server's failure here (a write that fails inside a broadcast) is a matter of timing.
                    stage(guest, note, "raw display channels reset mid-stream", () -> note.append(
                            clients.resetMidStream(12, 64 * 1024)).append(" of 12 raw display channels reset"
                            + " mid-stream"));
                    stage(guest, note, "spicy-screenshot killed mid-link",
                            () -> clients.killScreenshotsMidLink(4, kills));
                    stage(guest, note, "links cut", () -> clients.cutMidLink(3));
                    guest.still();
                    return System.nanoTime();
                }));
    }

    @ParameterizedTest(name = "{0} library")
    @ValueSource(strings = {"reference", "ours"})
    @Timeout(value = 420, unit = TimeUnit.SECONDS) // about 100 s each with the suite's 15 s churn
    void faultsLeaveQemuServing(String lib) throws Exception {
        if (lib.equals("reference")) {
            Peers.reference();
        }
        Path dir = Files.createDirectories(work.resolve(lib));
        long t0 = System.nanoTime();
        FaultChecks checks = new FaultChecks(lib);
        try (FaultGuest guest = FaultGuest.boot(dir, started, lib.equals("ours"), kernel, initrd, cmdline)) {
            guest.awaitReady(0, lib + ": first boot");
            FaultClients clients = new FaultClients(guest.run.port(), started);
            FaultRecovery recovery = new FaultRecovery(display);
            warmUp(guest, clients, dir, checks, recovery);
            FaultGuest.Usage start = settledUsage(guest, null);

            boolean alive = true;
            for (Fault fault : faults(lib, guest, clients, dir, checks)) {
                alive = run(lib, fault, guest, dir, checks, recovery);
                if (!alive) {
                    break;
                }
            }
            if (alive) {
                FaultGuest.Usage end = settledUsage(guest, start);
                FIGURES.add(new FaultFigures.Row(lib, "all faults (start to end)", start, end, null, ""));
                checks.check(end.fds() <= start.fds() + FD_SLACK, "fds after all faults " + end.fds()
                        + ", at the start " + start.fds());
                checks.check(end.otherKb() - start.otherKb() <= RSS_SLACK_TOTAL_MB * 1024, "RSS outside guest RAM"
                        + " after all faults " + end.otherKb() / 1024 + " MB, at the start " + start.otherKb() / 1024
                        + " MB");
                String replies = guest.qmp("{\"execute\":\"quit\"}");
                checks.check(QemuBridgeIT.waitExit(guest.run.process()) == 0, "QEMU's exit code after quit; "
                        + replies);
            }
            String err = QemuQxlGuestIT.readOrEmpty(guest.run.stderr());
            checks.check(FaultGuest.javaProblems(err).isEmpty(), "Java exceptions in QEMU's stderr ("
                    + guest.run.stderr() + "): " + FaultGuest.javaProblems(err));
        }
        System.out.printf(Locale.ROOT, "QemuFaultIT %s library: faults done in %d ms%n", lib,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        checks.assertPassed();
    }

    /** Steps that must not fail, as a lambda. */
    interface Step {
        void run() throws Exception;
    }

    /** Runs part of a fault; if QEMU died in it, says which part and stops the fault there. */
    static void stage(FaultGuest guest, StringBuilder note, String what, Step step) throws Exception {
        try {
            step.run();
        } finally {
            if (guest.run.process().waitFor(300, TimeUnit.MILLISECONDS)) {
                note.append(note.isEmpty() ? "" : "; ").append("died during: ").append(what);
            }
        }
        if (!guest.run.process().isAlive()) {
            throw new IOException("QEMU died during: " + what);
        }
    }

    static void assertReturn(String reply, String command) {
        assertTrue(reply.contains("\"return\": {}"), command + " failed: " + reply);
    }

    /** The first draw with a client, so that one-time allocations (JIT, pools, caches) do not count as growth. */
    void warmUp(FaultGuest guest, FaultClients clients, Path dir, FaultChecks checks, FaultRecovery recovery)
            throws Exception {
        guest.draw();
        Process c = clients.attach(dir.resolve("warm-up-client.log"));
        Thread.sleep(2000);
        FaultClients.detach(c);
        guest.still();
        FaultRecovery.Result first = recovery.measure(guest, dir.resolve("warm-up"), System.nanoTime());
        if (!first.recovered()) {
            fail("a fresh client never saw QMP screendump after boot (best " + QemuDisplayIT.percent(first.equal())
                    + ", " + first.lastProblem() + "); files in " + dir);
        }
    }

    /**
     * Attaches a display client while the guest draws, runs the fault, and checks the client was not dropped. The
     * client is closed afterwards: a fresh client would replace it anyway.
     */
    void attachedDuring(FaultGuest guest, FaultClients clients, Path dir, FaultChecks checks, String fault, Step step)
            throws Exception {
        Files.createDirectories(dir);
        guest.draw();
        Path log = dir.resolve("attached-client.log");
        Process client = clients.attach(log);
        Thread.sleep(500);
        step.run();
        Thread.sleep(1000); // a dropped client sees its channels close within this
        String lost = FaultClients.lost(client, log);
        checks.check(lost == null, fault + ": the attached client was dropped: " + lost + " (" + log + ")");
        FaultClients.detach(client);
    }

    /**
     * Runs one fault between two usage samples, measures recovery, checks and records the figures. Returns false when
     * QEMU died: the reference's SPICE worker was seen to crash when display channels are reset mid-stream, so that
     * is asserted for ours only.
     */
    boolean run(String lib, Fault fault, FaultGuest guest, Path dir, FaultChecks checks, FaultRecovery recovery)
            throws Exception {
        String name = fault.name();
        FaultGuest.Usage before = settledUsage(guest, null);
        StringBuilder note = new StringBuilder();
        long start = System.nanoTime();
        long end;
        try {
            end = fault.steps().run(note);
        } catch (Exception | AssertionError e) {
            if (guest.run.process().isAlive()) {
                throw e;
            }
            end = System.nanoTime();
        }
        if (guest.run.process().waitFor(200, TimeUnit.MILLISECONDS)) { // QEMU exited
            int code = guest.run.process().exitValue();
            note.append(note.isEmpty() ? "" : "; ").append("QEMU DIED, exit ").append(code)
                    .append(code == 139 ? " (SIGSEGV)" : "");
            FIGURES.add(new FaultFigures.Row(lib, name, before, null, null, note.toString()));
            checks.checkOurs(false, name + ": QEMU died with exit code " + code + " during the fault; stderr "
                    + guest.run.stderr());
            return false;
        }
        FaultRecovery.Result rec = recovery.measure(guest, dir.resolve("recovery-" + name.replaceAll("\\W+", "-")), end);
        fault.afterRecovery().run();
        String spice = guest.qmp("{\"execute\":\"query-spice\"}");
        FaultGuest.Usage after = settledUsage(guest, before);
        FIGURES.add(new FaultFigures.Row(lib, name, before, after, rec, note.toString()));
        System.out.printf(Locale.ROOT, "QemuFaultIT %s, %s: fds %d -> %d, RSS %d -> %d kB (outside guest RAM %d -> %d"
                        + " kB), recovery %d ms after %d attempts (%s)%s; the fault took %d ms%n", lib, name,
                before.fds(), after.fds(),
                before.rssKb(), after.rssKb(), before.otherKb(), after.otherKb(),
                rec.millis(), rec.attempts(), QemuDisplayIT.percent(rec.equal()),
                rec.recovered() ? "" : ": " + rec.lastProblem(), TimeUnit.NANOSECONDS.toMillis(end - start));

        checks.check(spice.contains("\"channels\": []"), name + ": query-spice lists channels with no client left: "
                + spice);
        checks.check(rec.recovered(), name + ": no fresh client saw QMP screendump within "
                + FaultRecovery.DEADLINE_SECONDS + " s (best " + QemuDisplayIT.percent(rec.equal()) + ", "
                + rec.lastProblem() + ")");
        checks.check(after.fds() <= before.fds() + FD_SLACK, name + ": fds " + before.fds() + " before, "
                + after.fds() + " after");
        checks.check(after.otherKb() - before.otherKb() <= fault.rssSlackMb() * 1024, name + ": RSS outside guest"
                + " RAM " + before.otherKb() / 1024 + " MB before, " + after.otherKb() / 1024 + " MB after (at most +"
                + fault.rssSlackMb() + " MB)");
        return true;
    }

    /**
     * The usage once no client is connected and, when {@code target} is given, the fd count is back within the slack
     * of it (or {@value #SETTLE_SECONDS} s passed): closed connections take a moment to leave the server.
     */
    static FaultGuest.Usage settledUsage(FaultGuest guest, FaultGuest.Usage target) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
        Thread.sleep(500);
        FaultGuest.Usage u = guest.usage();
        while (target != null && u.fds() > target.fds() + FD_SLACK && System.nanoTime() < deadline) {
            Thread.sleep(250);
            u = guest.usage();
        }
        assertEquals(true, guest.run.process().isAlive(), "QEMU exited");
        return u;
    }
}
