package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sound end to end, ours and the reference in one test: the Debian desktop guest of QemuAgentIT (QEMU's
 * {@code -audiodev spice} behind ich9-intel-hda and hda-duplex, ALSA in the guest) driven by a spice-gtk client
 * (scripts/audio-check runs scripts/spice-audio-client.py): the guest plays a 997 Hz tone and the client's PCM has that
 * frequency with no long gap; the client answers record-start with a 1499 Hz tone and the guest's arecord has that
 * frequency; the guest's mixer (Master, Capture) moves the playback and record channels' volume and mute.
 *
 * <p>Two boots for ours (one for the reference, in the first mode), each checking what the other cannot: QEMU's {@code playback-compression=on} with a client
 * that has the Opus caps (Opus both ways, plus volume and mute), and {@code playback-compression=off}, where the server
 * must send raw PCM to that same client (the client records raw too, by choice). The reference runs first: when it
 * fails, the machine or the guest is at fault, not our server.
 */
class QemuAudioIT {
    static final Path AUDIO_CHECK = Path.of("../scripts/audio-check").toAbsolutePath();
    static final Path OUT = Path.of("target/audio-it").toAbsolutePath();

    /** One boot: QEMU's playback-compression, the client's arguments, and the steps that must pass. */
    record Mode(String name, String compression, List<String> clientArgs, List<String> steps) {
    }

    static final List<Mode> MODES = List.of(
            new Mode("opus", "on", List.of("--playback-mode", "opus", "--record-mode", "opus"),
                    List.of("playback", "record", "volume", "mute")),
            new Mode("raw", "off",
                    List.of("--steps", "playback,record", "--playback-mode", "raw", "--record-mode", "raw"),
                    List.of("playback", "record")));

    @BeforeAll
    static void buildGuest() throws Exception {
        QemuAgentIT.buildGuest(); // the same guest image (its own copy for the tests), built or found there
    }

    /**
     * Runs the audio check once per library and mode; returns the client's PASS/FAIL lines. A run whose QEMU never
     * opened its serial console is tried once more, as in QemuAgentIT; any other failure is returned as is.
     */
    private static Run check(boolean reference, Mode mode) throws Exception {
        String who = (reference ? "reference" : "ours") + "-" + mode.name();
        for (int attempt = 1; ; attempt++) {
            Path dir = OUT.resolve(who + (attempt == 1 ? "" : "-" + attempt));
            Run run = checkOnce(reference, mode, dir);
            if (run != null || attempt == 2) {
                assertTrue(run != null, who + ": QEMU never opened its serial console; see " + dir);
                return run;
            }
        }
    }

    /** The client's result lines and exit status, and where its logs are. */
    record Run(String who, int exit, List<String> results, Path dir, long millis) {
        List<String> missing(List<String> steps) {
            return steps.stream().filter(step -> results.stream().noneMatch(l -> l.startsWith("PASS " + step + " ")
                    || l.equals("PASS " + step))).toList();
        }

        String report() {
            return who + " (client exit " + exit + ", " + millis / 1000 + " s):\n  " + String.join("\n  ", results)
                    + "\n  see " + dir;
        }
    }

    /** One audio check run; null when QEMU never opened its serial console. */
    private static Run checkOnce(boolean reference, Mode mode, Path dir) throws Exception {
        String who = (reference ? "reference" : "ours") + "-" + mode.name();
        Files.createDirectories(dir);
        Path log = dir.resolve("audio-check.log");
        List<String> command = new ArrayList<>(List.of(AUDIO_CHECK.toString()));
        command.addAll(mode.clientArgs());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OUT", dir.toString());
        pb.environment().put("GUEST_DIR", QemuAgentIT.GUEST_DIR.toString());
        pb.environment().put("REFERENCE", reference ? "1" : "0");
        pb.environment().put("COMPRESSION", mode.compression());
        pb.environment().put("SPICE_PORT", String.valueOf(QemuBridgeIT.freePort()));
        pb.environment().put("TIMEOUT", "420");
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(9, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly); // QEMU and the client with it
            p.destroyForcibly();
            fail(who + ": audio check did not finish; see " + log);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        List<String> lines = Files.readAllLines(log);
        if (p.exitValue() != 0 && lines.stream().anyMatch(l -> l.startsWith("no serial console"))) {
            return null;
        }
        List<String> results = lines.stream().map(l -> l.replaceFirst("^\\[\\s*[0-9.]+\\] ", ""))
                .filter(l -> l.startsWith("PASS ") || l.startsWith("FAIL ")).toList();
        Run run = new Run(who, p.exitValue(), results, dir, millis);
        System.out.printf(Locale.ROOT, "QemuAudioIT: %s%n", run.report());
        return run;
    }

    @Test
    void playbackRecordVolumeAndMuteWorkWithOursAsWithTheReference() throws Exception {
        // The reference proves the machine and the guest with the mode that exercises every step; raw mode is
        // judged on ours alone, which saves a desktop boot (about 1.5 minutes of the suite).
        for (Mode mode : MODES.subList(0, 1)) {
            Run run = check(true, mode);
            assertEquals(List.of(), run.missing(mode.steps()), "the reference failed, so the test cannot judge ours: "
                    + run.report());
            assertEquals(0, run.exit(), run.report());
        }
        List<String> failures = new ArrayList<>();
        for (Mode mode : MODES) {
            Run run = check(false, mode);
            if (!run.missing(mode.steps()).isEmpty() || run.exit() != 0) {
                failures.add(run.report());
            }
        }
        assertTrue(failures.isEmpty(), "ours, where the reference passed:\n" + String.join("\n", failures));
    }
}
