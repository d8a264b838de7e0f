package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.spicejava.ffi.Opus;

/**
 * Sound, differentially: the C audio harness (native-headers/harness/audio_harness.c) against the reference library
 * and ours, with a raw Java client ({@link RawSoundClient}), in raw and in Opus mode, and once with a client that
 * stops reading for 10 s. The six runs are done once, before the tests, which then look at different sides of the
 * same runs ({@link AudioWorkload} explains the figures); each test reports every problem it finds, not just the
 * first. About 80 s in all, 20 s more when timing has to be measured again.
 *
 * <p>Timing is compared with the reference measured in the same test, never against fixed figures alone: frames go
 * out when the host hands them over, so a receive gap is the host's own put gap plus what the server adds, and both
 * grow when the machine is busy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AudioHarnessIT {
    static final Path HARNESS = Path.of(System.getProperty("native.build.dir", "../native-headers/build"), "audio_harness");
    static final int SECONDS = 10;
    static final int STALL_SECONDS = 10;
    /** How far a measured tone may be from the one sent. */
    static final double TONE_TOLERANCE = 0.02;
    static final String START = "START channels=2 format=1 rate=48000";
    /**
     * The reference's host put frames at most 20 ms apart on a quiet machine (10 ms frames, scheduling jitter); later
     * than this it was held up by other processes, and so may ours have been.
     */
    static final double BUSY_PUT_GAP_MS = 30;

    /** The harnesses' output stays here for a look after a failure. */
    static final Path DIR = Path.of("target/audio-harness-it").toAbsolutePath();
    /** Runs by name: "reference raw", "ours opus", "reference raw stall", ... */
    final Map<String, AudioWorkload.Result> runs = new LinkedHashMap<>();

    @BeforeAll
    void runTheWorkloads() throws Exception {
        Peers.reference();
        Peers.requireFile(HARNESS, "the audio harness (make -C native-headers)");
        Peers.require(Opus.codec().available(), "libopus0");
        Files.createDirectories(DIR);
        for (boolean opus : new boolean[] {false, true}) {
            for (boolean ours : new boolean[] {false, true}) {
                run(new AudioWorkload.Spec(ours, opus, true, SECONDS, 0, 0));
            }
        }
        // the stalled client announces no volume cap: no VOLUME or MUTE may reach it
        for (boolean ours : new boolean[] {false, true}) {
            run(new AudioWorkload.Spec(ours, false, false, STALL_SECONDS + 7, 2000, STALL_SECONDS * 1000L));
        }
        runs.values().forEach(r -> System.out.println(r.summary()));
        for (String mode : List.of("raw", "opus")) {
            System.out.println(AudioWorkload.ratios(runs.get("reference " + mode), runs.get("ours " + mode)));
        }
    }

    private void run(AudioWorkload.Spec spec) throws Exception {
        runs.put(spec.name(), AudioWorkload.run(HARNESS, QemuBridgeIT.OUR_LIB_DIR, DIR, spec));
    }

    private List<AudioWorkload.Result> normalRuns() {
        return List.of(runs.get("reference raw"), runs.get("ours raw"), runs.get("reference opus"),
                runs.get("ours opus"));
    }

    /** Collects what is wrong, so one run shows every problem. */
    static final class Problems {
        final List<String> found = new ArrayList<>();

        void check(boolean ok, String what) {
            if (!ok) {
                found.add(what);
            }
        }

        void tone(double expected, double measured, String what) {
            check(Math.abs(measured - expected) <= expected * TONE_TOLERANCE,
                    what + ": expected " + expected + " Hz within 2%, measured " + measured + " Hz");
        }

        void none() {
            assertTrue(found.isEmpty(), found.size() + " problem(s):\n  " + String.join("\n  ", found));
        }
    }

    /** True when {@code expected} occurs in {@code actual} in this order, other messages between allowed. */
    static boolean inOrder(List<String> actual, List<String> expected) {
        int at = 0;
        for (String s : actual) {
            if (at < expected.size() && s.equals(expected.get(at))) {
                at++;
            }
        }
        return at == expected.size();
    }

    @Test
    void clientReceivesTheHostsToneInRawAndOpus() {
        Problems p = new Problems();
        for (AudioWorkload.Result r : normalRuns()) {
            String name = r.spec().name();
            p.check(r.failure() == null, name + ": the client failed: " + r.failure());
            AudioWorkload.Playback pb = r.playback();
            p.check(pb.mode().equals(r.spec().opus() ? "opus" : "raw"), name + ": playback mode " + pb.mode());
            p.check(pb.control().size() >= 2 && pb.control().get(0).equals("MODE " + pb.mode())
                    && pb.control().get(1).equals(START), name + ": not MODE then START: " + pb.control());
            // no buffer before a client links; then whole 10 ms frames
            p.check(pb.nulls() > 0, name + ": a buffer before any client linked");
            p.check(pb.bufferSamples() == 480, name + ": buffers of " + pb.bufferSamples() + " samples");
            p.check(pb.frames() >= 300, name + ": frames received " + pb.frames());
            // nothing is dropped for a client that keeps up; each frame is stamped with its put time
            p.check(pb.frames() >= pb.puts() * 0.98, name + ": " + pb.frames() + " frames of " + pb.puts() + " put");
            p.check(pb.matched() >= pb.frames() * 0.99, name + ": only " + pb.matched() + " of " + pb.frames()
                    + " frames stamped with their put time: " + pb.unmatched());
            p.tone(AudioWorkload.PLAY_LEFT, pb.leftHz(), name + ": left channel");
            p.tone(AudioWorkload.PLAY_RIGHT, pb.rightHz(), name + ": right channel");
        }
        p.none();
    }

    @Test
    void hostRecordsTheClientsTone() {
        Problems p = new Problems();
        for (AudioWorkload.Result r : normalRuns()) {
            String name = r.spec().name();
            AudioWorkload.Record rec = r.record();
            long sent = 480L * rec.framesSent();
            p.check(rec.mode().equals(r.spec().opus() ? "opus" : "raw"), name + ": record mode " + rec.mode());
            // all the client sent but what the host had not read yet (at most the 8192-sample ring) when it stopped
            p.check(rec.samples() >= sent * 0.9 - 8192 && rec.samples() >= 100_000,
                    name + ": samples recorded " + rec.samples() + " of " + sent + " sent");
            p.tone(AudioWorkload.RECORD_LEFT, rec.leftHz(), name + ": recorded left channel");
            p.tone(AudioWorkload.RECORD_RIGHT, rec.rightHz(), name + ": recorded right channel");
        }
        p.none();
    }

    @Test
    void volumeAndMuteReachAClientWithTheVolumeCapOnly() {
        Problems p = new Problems();
        for (AudioWorkload.Result r : normalRuns()) {
            String name = r.spec().name();
            // set before the client linked: sent on connect with the mute state; later changes as they come
            p.check(inOrder(r.playback().control(), List.of(START, "VOLUME 1111 2222", "MUTE 0",
                    "VOLUME 9000 4000", "MUTE 1", "MUTE 0", "STOP")), name + ": playback " + r.playback().control());
            p.check(inOrder(r.record().control(), List.of(START, "VOLUME 7000 3000", "MUTE 1", "MUTE 0", "STOP")),
                    name + ": record " + r.record().control());
        }
        for (String name : List.of("reference raw stall", "ours raw stall")) {
            AudioWorkload.Result r = runs.get(name);
            p.check(r.playback().control().equals(List.of("MODE raw", START, "STOP")),
                    name + ": playback without the volume cap " + r.playback().control());
            p.check(r.record().control().equals(List.of(START, "STOP")),
                    name + ": record without the volume cap " + r.record().control());
        }
        p.none();
    }

    @Test
    void playbackControlMessagesAsTheReference() {
        Problems p = new Problems();
        for (String mode : List.of("raw", "opus", "raw stall")) {
            List<String> ref = runs.get("reference " + mode).playback().control();
            List<String> ours = runs.get("ours " + mode).playback().control();
            p.check(Objects.equals(ref, ours), mode + ": the reference sent " + ref + ", ours " + ours);
        }
        p.none();
    }

    /**
     * Fails with our server as of the sound channels' first commit: when the host sets a record volume for the
     * first time while a client is linked, ours sends VOLUME and then MUTE 0 (the current mute) before the MUTE 1
     * the host sets next; the reference sends MUTE only with the volume a client gets on linking, and otherwise
     * only when the host sets the mute.
     */
    @Test
    void recordControlMessagesAsTheReference() {
        Problems p = new Problems();
        for (String mode : List.of("raw", "opus", "raw stall")) {
            List<String> ref = runs.get("reference " + mode).record().control();
            List<String> ours = runs.get("ours " + mode).record().control();
            p.check(Objects.equals(ref, ours), mode + ": the reference sent " + ref + ", ours " + ours);
        }
        p.none();
    }

    /**
     * The timing of one mode against the reference's: empty when ours is no worse by the margins. On a quiet
     * machine the reference's longest gap is its host's lateness plus a little, 11-16 ms; ours may add two frames,
     * which a single pause of our JVM takes (seen: a 20 ms full collection that the code cache's growth triggers
     * about 2 s into the first audio), at most two more gaps over 25 ms, and 5 ms to its p99 gap. Latency: three
     * times the reference's and 0.5 ms (median), 5 ms (p99). Bytes on the wire: within 5%.
     */
    static List<String> timingProblems(AudioWorkload.Result reference, AudioWorkload.Result oursResult) {
        Problems p = new Problems();
        AudioWorkload.Timing ref = reference.timing();
        AudioWorkload.Timing ours = oursResult.timing();
        String mode = oursResult.playback().mode();
        p.check(ours.maxGap() <= Math.max(2 * ref.maxGap(), ref.maxGap() + 20), String.format(Locale.ROOT,
                "%s: longest gap %.1f ms, the reference's %.1f ms", mode, ours.maxGap(), ref.maxGap()));
        p.check(ours.longGaps() <= ref.longGaps() + 2, String.format(Locale.ROOT,
                "%s: %d gaps over 25 ms, the reference %d", mode, ours.longGaps(), ref.longGaps()));
        p.check(ours.p99Gap() <= ref.p99Gap() + 5, String.format(Locale.ROOT,
                "%s: p99 gap %.1f ms, the reference's %.1f ms", mode, ours.p99Gap(), ref.p99Gap()));
        p.check(ours.latencyMedian() <= 3 * ref.latencyMedian() + 0.5, String.format(Locale.ROOT,
                "%s: median latency %.3f ms, the reference's %.3f ms", mode, ours.latencyMedian(),
                ref.latencyMedian()));
        p.check(ours.latencyP99() <= 3 * ref.latencyP99() + 5, String.format(Locale.ROOT,
                "%s: p99 latency %.3f ms, the reference's %.3f ms", mode, ours.latencyP99(), ref.latencyP99()));
        p.check(Math.abs(oursResult.bytesPerSecond() / reference.bytesPerSecond() - 1) <= 0.05,
                String.format(Locale.ROOT, "%s: %.0f bytes/s on the wire, the reference %.0f", mode,
                        oursResult.bytesPerSecond(), reference.bytesPerSecond()));
        return p.found;
    }

    /**
     * Gaps and latency no worse than the reference's by a margin, and as many bytes on the wire. A busy machine
     * (another test's QEMU) delays the host process of either library at random, so a mode whose pair misses the
     * margins is run again once, as a new pair, and that pair decides. When in both pairs the reference's own host
     * was late by more than {@link #BUSY_PUT_GAP_MS} (its put gaps show the machine's noise, not the server), the
     * comparison says nothing and the test is aborted with the figures rather than failed.
     */
    @Test
    void framesKeepPaceAndLatencyIsNoWorseThanTheReference() throws Exception {
        Problems p = new Problems();
        List<String> inconclusive = new ArrayList<>();
        for (boolean opus : new boolean[] {false, true}) {
            String mode = opus ? "opus" : "raw";
            AudioWorkload.Result firstRef = runs.get("reference " + mode);
            List<String> first = timingProblems(firstRef, runs.get("ours " + mode));
            if (first.isEmpty()) {
                continue;
            }
            AudioWorkload.Result ref = AudioWorkload.run(HARNESS, QemuBridgeIT.OUR_LIB_DIR, DIR,
                    new AudioWorkload.Spec(false, opus, true, SECONDS, 0, 0));
            AudioWorkload.Result ours = AudioWorkload.run(HARNESS, QemuBridgeIT.OUR_LIB_DIR, DIR,
                    new AudioWorkload.Spec(true, opus, true, SECONDS, 0, 0));
            System.out.println("timing again after " + first + ":\n" + ref.summary() + "\n" + ours.summary());
            List<String> again = timingProblems(ref, ours);
            if (again.isEmpty()) {
                continue;
            }
            String what = "first " + first + ", again " + again;
            if (firstRef.timing().maxPutGap() > BUSY_PUT_GAP_MS && ref.timing().maxPutGap() > BUSY_PUT_GAP_MS) {
                inconclusive.add(String.format(Locale.ROOT, "%s (the reference's host was late by up to %.1f and"
                        + " %.1f ms)", what, firstRef.timing().maxPutGap(), ref.timing().maxPutGap()));
            } else {
                p.check(false, what);
            }
        }
        p.none();
        Assumptions.assumeTrue(inconclusive.isEmpty(), "the machine was too busy to compare timing: " + inconclusive);
    }

    /**
     * A client that stops reading for 10 s. The host's 10 ms schedule goes on (it is never blocked: frames are put
     * every second of the stall), our process does not grow, and after the stall the client gets frames put after
     * it. 10 s of raw audio (1.9 MB) fit in the kernel's socket buffers on loopback, so with both libraries the
     * client first receives the whole stalled stretch, stale; the drop path behind a full socket needs a longer
     * stall (scripts/bench-audio).
     */
    @Test
    void aStalledClientCostsNoMemoryNeverBlocksTheHostAndGetsFreshFramesAfter() {
        Problems p = new Problems();
        for (String name : List.of("reference raw stall", "ours raw stall")) {
            AudioWorkload.Result r = runs.get(name);
            AudioWorkload.Stall stall = r.stall();
            p.check(r.failure() == null, name + ": the client failed: " + r.failure());
            p.check(stall.putsDuring() >= STALL_SECONDS * 100 * 0.9 && stall.minPutsPerSecond() >= 50,
                    name + ": the host's frames did not keep coming: " + stall);
            p.check(stall.framesAfter() >= 100, name + ": frames after the stall: " + stall);
            p.check(stall.freshAfterMs() < 2_000, name + ": no fresh frame soon after the stall: " + stall);
        }
        AudioWorkload.Stall ours = runs.get("ours raw stall").stall();
        p.check(ours.rssMaxKb() - ours.rssBeforeKb() <= 10 * 1024, "ours grew during the stall: " + ours);
        p.none();
    }
}
