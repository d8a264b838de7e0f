package org.spicejava.ffi.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

import org.spicejava.core.audio.SoundProtocol;

/**
 * One run of the C audio harness (native-headers/harness/audio_harness.c) with a {@link RawSoundClient}, against the
 * reference library or ours, and the figures that AudioHarnessIT asserts and scripts/bench-audio prints
 * ({@link #main}).
 *
 * <p>Frames are matched across the two processes by the DATA message's time field: both servers stamp a frame with
 * the multimedia time at put_samples, CLOCK_MONOTONIC in whole ms, and the harness prints the CLOCK_MONOTONIC ns just
 * before put_samples, so a frame stamped T was put at the harness's ms T, T-1 or T-2 (frames are 10 ms apart).
 * Latency is receipt minus that put. The steady window starts {@link #WARM_UP_NS} after the first frame and ends at
 * the harness's stop; a stall and the 2 s after it are left out of the gap and latency figures and measured on their
 * own. Bytes on the wire are those of all DATA messages (with their headers) per second of audio they carry.
 */
final class AudioWorkload {
    static final double PLAY_LEFT = 997;
    static final double PLAY_RIGHT = 1511;
    static final double RECORD_LEFT = 661;
    static final double RECORD_RIGHT = 1201;
    static final long MS = 1_000_000L;
    /**
     * The first two seconds of frames are the warm-up (our JVM compiles the audio path then, and may collect its
     * code cache once); their gaps are reported apart, not in the steady figures.
     */
    static final long WARM_UP_NS = 2_000 * MS;

    /**
     * {@code opus}: playback compression on and the client records in Opus (else compression off, so the server
     * must pick raw although the client announces Opus, and the client records raw); {@code volumeCap}: the client
     * announces the volume caps; {@code stallAtMs}/{@code stallMs}: the client stops reading playback that long
     * after linking (0 for none).
     */
    record Spec(boolean ours, boolean opus, boolean volumeCap, int seconds, long stallAtMs, long stallMs) {
        String name() {
            return (ours ? "ours" : "reference") + (opus ? " opus" : " raw") + (stallMs > 0 ? " stall" : "");
        }
    }

    /** A stat line of the harness: time, CPU in µs, VmRSS in kB, frames put so far. */
    record Stat(long ns, long cpuUs, long rssKb, long puts) {
    }

    /**
     * Playback as the client got it: the size of the host's buffers (stereo samples), frames received, put by the
     * host, ticks the server had no buffer for (before the client linked), frames whose stamp matched a put, the
     * dominant frequencies of the decoded track.
     */
    record Playback(String mode, List<String> control, int bufferSamples, int frames, long puts, long nulls,
                    int matched, double leftHz, double rightHz, List<String> unmatched) {
    }

    /**
     * Timing in ms: latency put to receipt, receive gaps (the longest, p99, how many over {@link #LONG_GAP_MS}), the
     * host's own put gaps (steady window); the longest gap of the warm-up; over the whole run, the host's longest
     * audio call into the library, how many took over 5 ms, the longest watch or timer callback of the server in the
     * host's loop and how many took over 5 ms.
     */
    record Timing(double latencyMedian, double latencyP99, double maxGap, double p99Gap, int longGaps,
                  double maxPutGap, double warmUpMaxGap, double longestCall, long slowCalls, double longestCallback,
                  long slowCallbacks) {
    }

    /** A receive gap this long is two and a half frames: the client's buffer must cover for the host or server. */
    static final double LONG_GAP_MS = 25;

    /** Record as the host got it: its mode on the client's side, frames sent, samples read, dominant frequencies. */
    record Record(String mode, List<String> control, int framesSent, long samples, double leftHz, double rightHz) {
    }

    /**
     * The stalled client: RSS before and the highest during the stall (kB), frames the harness put during it (in
     * all, in its slowest second) and its longest put gap, the first fresh frame (put after the stall ended) after
     * how long, how many stale frames (put before the stall ended) came first and how old the oldest was.
     */
    record Stall(long rssBeforeKb, long rssMaxKb, long putsDuring, long minPutsPerSecond, double maxPutGapMs,
                 double freshAfterMs, int staleFrames, double stalestAgeMs, int framesAfter) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "rss %d->%d kB, %d puts during (at least %d a second, max gap %.1f ms),"
                            + " fresh frame %.0f ms after resume, %d stale first (oldest %.0f ms old), %d frames after",
                    rssBeforeKb, rssMaxKb, putsDuring, minPutsPerSecond, maxPutGapMs, freshAfterMs, staleFrames,
                    stalestAgeMs, framesAfter);
        }
    }

    /** What one run gave: {@code bytesPerSecond} of DATA, harness {@code cpuMsPerSecond}; stall null when none. */
    record Result(Spec spec, Playback playback, Timing timing, Record record, double bytesPerSecond,
                  double cpuMsPerSecond, Stall stall, String failure) {
        String summary() {
            Playback p = playback;
            Timing t = timing;
            return String.format(Locale.ROOT, "%-19s %s frames=%d/%d put (%d without buffer) matched=%d"
                            + " tone=%.1f/%.1f Hz | latency median %.3f p99 %.3f ms, gaps max %.1f p99 %.1f ms,"
                            + " %d over 25 ms (host's puts max %.1f; warm-up max %.1f), longest call %.2f ms"
                            + " (%d over 5 ms),"
                            + " callback %.2f ms (%d over 5 ms)"
                            + " | %.0f B/s, cpu %.1f ms/s | record %s %d samples %.1f/%.1f Hz (%d frames sent)%s%s",
                    spec.name(), p.mode, p.frames, p.puts, p.nulls, p.matched, p.leftHz, p.rightHz, t.latencyMedian,
                    t.latencyP99, t.maxGap, t.p99Gap, t.longGaps, t.maxPutGap, t.warmUpMaxGap, t.longestCall,
                    t.slowCalls, t.longestCallback, t.slowCallbacks,
                    bytesPerSecond, cpuMsPerSecond, record.mode, record.samples, record.leftHz, record.rightHz,
                    record.framesSent, stall == null ? "" : " | stall: " + stall,
                    failure == null ? "" : " | client failed: " + failure);
        }
    }

    private AudioWorkload() {
    }

    /**
     * scripts/bench-audio: {@code AudioWorkload HARNESS OUR_LIB_DIR [SECONDS] [ROUNDS] [STALL_SECONDS]} runs the
     * workload in raw and Opus mode against both libraries, one after the other, and prints each run's figures and
     * the ratios ours/reference of the same round; with STALL_SECONDS > 0 then a raw run per library whose client
     * stops reading that long, 2 s after linking.
     */
    public static void main(String[] args) throws Exception {
        Path harness = Path.of(args[0]);
        Path ourLib = Path.of(args[1]);
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        int stallSeconds = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        Path dir = Files.createTempDirectory("bench-audio");
        System.out.println("harness output in " + dir);
        for (int round = 1; round <= rounds; round++) {
            for (boolean opus : new boolean[] {false, true}) {
                Result ref = run(harness, ourLib, dir, new Spec(false, opus, true, seconds, 0, 0));
                Result ours = run(harness, ourLib, dir, new Spec(true, opus, true, seconds, 0, 0));
                System.out.printf(Locale.ROOT, "== %s, %d s, round %d ==%n", opus ? "opus" : "raw", seconds, round);
                System.out.println(ref.summary());
                System.out.println(ours.summary());
                System.out.println(ratios(ref, ours));
            }
        }
        if (stallSeconds > 0) {
            System.out.printf(Locale.ROOT, "== raw, client stalled %d s ==%n", stallSeconds);
            for (boolean ours : new boolean[] {false, true}) {
                System.out.println(run(harness, ourLib, dir, new Spec(ours, false, true, stallSeconds + 7, 2000,
                        stallSeconds * 1000L)).summary());
            }
        }
    }

    /** One line of ratios ours/reference. */
    static String ratios(Result ref, Result ours) {
        return String.format(Locale.ROOT, "ratio ours/reference (%s): latency median %.2f p99 %.2f, longest gap %.2f,"
                        + " p99 gap %.2f, harness cpu per audio second %.2f, wire bytes per second %.3f",
                ours.playback().mode(), ours.timing().latencyMedian() / ref.timing().latencyMedian(),
                ours.timing().latencyP99() / ref.timing().latencyP99(), ours.timing().maxGap() / ref.timing().maxGap(),
                ours.timing().p99Gap() / ref.timing().p99Gap(), ours.cpuMsPerSecond() / ref.cpuMsPerSecond(),
                ours.bytesPerSecond() / ref.bytesPerSecond());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Runs the harness for {@code spec.seconds()} with a client linked as soon as it is ready; output in dir. */
    static Result run(Path harness, Path ourLib, Path dir, Spec spec) throws Exception {
        int port = freePort();
        String tag = spec.name().replace(' ', '-');
        Path out = dir.resolve(tag + "-host.txt");
        Path err = dir.resolve(tag + "-host-err.txt");
        ProcessBuilder pb = new ProcessBuilder(harness.toAbsolutePath().toString(), String.valueOf(port))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        QemuBridgeIT.withLibrary(pb, spec.ours ? ourLib : null);
        pb.environment().put("HARNESS_SECONDS", String.valueOf(spec.seconds));
        pb.environment().put("HARNESS_COMPRESSION", spec.opus ? "1" : "0");
        pb.environment().put("HARNESS_TONE_LEFT", String.valueOf((int) PLAY_LEFT));
        pb.environment().put("HARNESS_TONE_RIGHT", String.valueOf((int) PLAY_RIGHT));
        Process host = pb.start();
        RawSoundClient client = null;
        long stallStart = 0;
        long stallEnd = 0;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(out).contains("ready")) {
                if (!host.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException(spec.name() + ": harness did not start: " + Files.readString(out)
                            + Files.readString(err));
                }
                Thread.sleep(10);
            }
            // the client always announces Opus: in the raw run the server must pick raw because compression is off
            client = new RawSoundClient(port, new RawSoundClient.Options(true, spec.opus, spec.volumeCap, -1,
                    RECORD_LEFT, RECORD_RIGHT));
            long linked = System.nanoTime();
            if (spec.stallMs > 0) {
                Thread.sleep(Math.max(0, spec.stallAtMs - (System.nanoTime() - linked) / MS));
                stallStart = System.nanoTime();
                client.stallPlayback(spec.stallMs * MS);
                stallEnd = stallStart + spec.stallMs * MS;
            }
            if (!host.waitFor(spec.seconds + 30L, TimeUnit.SECONDS)) {
                throw new IOException(spec.name() + ": harness did not finish");
            }
            Thread.sleep(100); // the last messages
        } finally {
            host.destroyForcibly();
            if (client != null) {
                client.close();
            }
        }
        return new Analysis(spec, Files.readAllLines(out), client, stallStart, stallEnd).result();
    }

    /** The harness's output and the client's record of one run, turned into figures. */
    private static final class Analysis {
        final Spec spec;
        final RawSoundClient client;
        final long stallStart;
        final long stallEnd;
        final List<Long> puts = new ArrayList<>();
        /** Put times by their whole ms, as the servers stamp frames. */
        final Map<Integer, Long> putByMs = new HashMap<>();
        final List<Stat> stats = new ArrayList<>();
        final Map<String, String> summary = new HashMap<>();
        long stop = Long.MAX_VALUE;
        long slowCallbacks;
        final List<RawSoundClient.Event> data;
        final long windowStart;

        Analysis(Spec spec, List<String> lines, RawSoundClient client, long stallStart, long stallEnd) {
            this.spec = spec;
            this.client = client;
            this.stallStart = stallStart;
            this.stallEnd = stallEnd;
            for (String line : lines) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "put" -> {
                        long ns = Long.parseLong(f[2]);
                        puts.add(ns);
                        putByMs.put((int) (ns / MS), ns);
                    }
                    case "stat" -> stats.add(new Stat(Long.parseLong(f[1]),
                            Long.parseLong(f[2]) + Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5])));
                    case "stop" -> stop = Long.parseLong(f[1]);
                    case "slow" -> slowCallbacks += f[1].equals("watch") || f[1].equals("timer") ? 1 : 0;
                    case "playback", "record", "buffer" -> {
                        for (String kv : f) {
                            int eq = kv.indexOf('=');
                            if (eq > 0) {
                                summary.put(f[0] + "." + kv.substring(0, eq), kv.substring(eq + 1));
                            }
                        }
                    }
                    default -> {
                    }
                }
            }
            data = client.playbackEvents().stream().filter(e -> e.type() == SoundProtocol.MSG_PLAYBACK_DATA).toList();
            windowStart = data.isEmpty() ? Long.MAX_VALUE : data.get(0).ns() + WARM_UP_NS;
        }

        private double number(String key) {
            String v = summary.get(key);
            return v == null ? Double.NaN : Double.parseDouble(v);
        }

        /** In the steady window: after the warm-up, before the stop, not in a stall or the 2 s after it. */
        boolean steady(long ns) {
            return ns >= windowStart && ns < stop && !(stallEnd > 0 && ns >= stallStart && ns < stallEnd + 2_000 * MS);
        }

        /** The harness's put time of a frame stamped {@code mmTime}, or null when none matches. */
        Long putOf(int mmTime) {
            for (int d = 0; d <= 2; d++) {
                Long put = putByMs.get(mmTime - d);
                if (put != null) {
                    return put;
                }
            }
            return null;
        }

        Result result() {
            return new Result(spec, playback(), timing(), record(), bytesPerSecond(), cpuMsPerSecond(),
                    stallEnd > 0 ? stall() : null, client.failure() == null ? null : client.failure().toString());
        }

        Playback playback() {
            List<RawSoundClient.Event> events = client.playbackEvents();
            String mode = events.stream().filter(e -> e.type() == SoundProtocol.MSG_PLAYBACK_MODE)
                    .map(e -> e.text().replace("MODE ", "")).findFirst().orElse("none");
            // the channel's own messages but DATA; common ones (PING) are left out
            List<String> control = events.stream()
                    .filter(e -> e.type() >= 100 && e.type() != SoundProtocol.MSG_PLAYBACK_DATA)
                    .map(RawSoundClient.Event::text).toList();
            int matched = 0;
            List<String> unmatched = new ArrayList<>();
            for (RawSoundClient.Event e : data) {
                if (putOf(e.mmTime()) != null) {
                    matched++;
                } else if (unmatched.size() < 5) {
                    unmatched.add("stamped " + e.mmTime() + ", puts at " + puts.stream().map(p -> (int) (p / MS))
                            .filter(ms -> Math.abs(ms - e.mmTime()) < 30).toList());
                }
            }
            short[][] track = client.track();
            return new Playback(mode, control, (int) number("buffer.samples"), data.size(), puts.size(),
                    (long) number("playback.nulls"), matched,
                    Tone.dominantHz(track[0], track[0].length, RawSoundClient.RATE),
                    Tone.dominantHz(track[1], track[1].length, RawSoundClient.RATE), unmatched);
        }

        Timing timing() {
            List<Double> latencies = new ArrayList<>();
            List<Double> gaps = new ArrayList<>();
            double warmUpMaxGap = 0;
            for (int i = 0; i < data.size(); i++) {
                RawSoundClient.Event e = data.get(i);
                double gap = i == 0 ? 0 : (e.ns() - data.get(i - 1).ns()) / 1e6;
                if (e.ns() < windowStart) {
                    warmUpMaxGap = Math.max(warmUpMaxGap, gap);
                }
                if (!steady(e.ns())) {
                    continue;
                }
                Long put = putOf(e.mmTime());
                if (put != null) {
                    latencies.add((e.ns() - put) / 1e6);
                }
                if (i > 0 && steady(data.get(i - 1).ns())) {
                    gaps.add(gap);
                }
            }
            double maxPutGap = 0;
            for (int i = 1; i < puts.size(); i++) {
                if (steady(puts.get(i)) && steady(puts.get(i - 1))) {
                    maxPutGap = Math.max(maxPutGap, (puts.get(i) - puts.get(i - 1)) / 1e6);
                }
            }
            return new Timing(Tone.percentile(latencies, 50), Tone.percentile(latencies, 99),
                    Tone.percentile(gaps, 100), Tone.percentile(gaps, 99),
                    (int) gaps.stream().filter(g -> g > LONG_GAP_MS).count(), maxPutGap, warmUpMaxGap,
                    number("playback.max_call_us") / 1e3, (long) number("playback.slow_calls"),
                    number("playback.max_callback_us") / 1e3, slowCallbacks);
        }

        Record record() {
            List<String> control = client.recordEvents().stream().filter(e -> e.type() >= 100)
                    .map(RawSoundClient.Event::text).toList();
            return new Record(RawSoundClient.modeName(client.recordMode()), control, client.recordFramesSent(),
                    (long) number("record.samples"), number("record.left_hz"), number("record.right_hz"));
        }

        double bytesPerSecond() {
            long bytes = 0;
            for (RawSoundClient.Event e : data) {
                bytes += e.wireBytes();
            }
            return bytes / (data.size() * 0.01); // a frame carries 10 ms
        }

        /** Harness CPU per second from the end of the warm-up to the last stat before the stop. */
        double cpuMsPerSecond() {
            Stat a = null;
            Stat b = null;
            for (Stat s : stats) {
                if (!puts.isEmpty() && s.ns() >= puts.get(0) + WARM_UP_NS && s.ns() <= stop) {
                    a = a == null ? s : a;
                    b = s;
                }
            }
            return a == null || b == a ? Double.NaN : (b.cpuUs() - a.cpuUs()) / 1e3 / ((b.ns() - a.ns()) / 1e9);
        }

        Stall stall() {
            long rssBefore = 0;
            long rssMax = 0;
            long minPerSecond = Long.MAX_VALUE;
            Stat previous = null;
            for (Stat s : stats) {
                if (s.ns() < stallStart) {
                    rssBefore = s.rssKb();
                } else if (s.ns() <= stallEnd + 1_000 * MS) {
                    rssMax = Math.max(rssMax, s.rssKb());
                    if (previous != null && previous.ns() >= stallStart && s.ns() <= stallEnd) {
                        minPerSecond = Math.min(minPerSecond,
                                Math.round((s.puts() - previous.puts()) / ((s.ns() - previous.ns()) / 1e9)));
                    }
                }
                previous = s;
            }
            long during = 0;
            double maxGap = 0;
            long last = -1;
            for (long p : puts) {
                if (p >= stallStart && p < stallEnd) {
                    during++;
                    maxGap = last < 0 ? maxGap : Math.max(maxGap, (p - last) / 1e6);
                    last = p;
                }
            }
            double freshAfter = Double.NaN;
            int stale = 0;
            double stalest = 0;
            int after = 0;
            for (RawSoundClient.Event e : data) {
                Long put = putOf(e.mmTime());
                if (e.ns() < stallEnd || put == null) {
                    after += e.ns() < stallEnd ? 0 : 1;
                    continue;
                }
                after++;
                if (!Double.isNaN(freshAfter)) {
                    continue;
                }
                if (put < stallEnd) {
                    stale++;
                    stalest = Math.max(stalest, (e.ns() - put) / 1e6);
                } else {
                    freshAfter = (e.ns() - stallEnd) / 1e6;
                }
            }
            return new Stall(rssBefore, rssMax, during, minPerSecond, maxGap, freshAfter, stale, stalest, after);
        }
    }
}
