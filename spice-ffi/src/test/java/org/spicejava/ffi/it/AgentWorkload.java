package org.spicejava.ffi.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One run of the C agent harness (native-headers/harness/agent_harness.c, a host whose guest agent answers at once)
 * with a {@link RawAgentClient}, against the reference library or ours: the figures that AgentHarnessIT asserts and
 * scripts/bench-agent-harness prints ({@link #main}). With the guest out of the way, what is timed is the server:
 * client to agent and back through its char device, tokens and AGENT_DATA pieces.
 *
 * <p>Clipboard: {@code warmUp} then {@code rounds} round trips, one at a time, each a VD_AGENT_CLIPBOARD_REQUEST
 * until the whole VD_AGENT_CLIPBOARD is reassembled; the text must be the harness's for that request (its number,
 * then the alphabet). File transfer: as spice-gtk sends one (FILE_XFER_START with the key file, CAN_SEND_DATA, then
 * FILE_XFER_DATA messages of 64 KiB) until the agent's SUCCESS; MB/s are 10^6 bytes over the time from START to
 * SUCCESS. CPU is the harness process's (all its threads: for ours the JVM's too) over the measured rounds and over
 * the transfer, from /proc/PID/task/{@literal *}/schedstat. A spec with no transfer bytes skips the transfer.
 */
final class AgentWorkload {
    /** spice-gtk's FILE_XFER_CHUNK_SIZE: the data of one FILE_XFER_DATA message. */
    static final int XFER_CHUNK = 32 * RawAgentClient.MAX_DATA_SIZE;
    static final int XFER_ID = 1;
    /** Tokens the client gives the server for AGENT_DATA (the server's own window for the client is 10). */
    static final int CLIENT_WINDOW = 10;

    record Spec(boolean ours, int warmUp, int rounds, int clipBytes, long xferBytes) {
        String name() {
            return ours ? "ours" : "reference";
        }
    }

    /**
     * Round trips in µs (median, p99, mean); texts that were not the expected one; the transfer's MB/s, whether the
     * agent reported SUCCESS and the bytes it counted; harness CPU in µs per round trip and ms per MB; the harness's
     * count of bad bytes from the server (-1 when it did not say).
     */
    record Result(Spec spec, double rttMedianUs, double rttP99Us, double rttMeanUs, int wrongTexts, double xferMBps,
                  boolean xferSucceeded, long agentXferBytes, double cpuUsPerRound, double cpuMsPerMB, long agentBad,
                  String failure) {
        String summary() {
            String transfer = spec.xferBytes == 0 ? "no transfer" : String.format(Locale.ROOT,
                    "transfer %.1f MB: %.1f MB/s, harness cpu %.2f ms/MB, %s, agent counted %d B", spec.xferBytes / 1e6,
                    xferMBps, cpuMsPerMB, xferSucceeded ? "SUCCESS" : "no SUCCESS", agentXferBytes);
            return String.format(Locale.ROOT, "%-9s clipboard %d B x %d: rtt median %.1f p99 %.1f mean %.1f us,"
                            + " harness cpu %.1f us/round, %d wrong | %s | bad %d%s",
                    spec.name(), spec.clipBytes, spec.rounds, rttMedianUs, rttP99Us, rttMeanUs, cpuUsPerRound,
                    wrongTexts, transfer, agentBad, failure == null ? "" : " | failed: " + failure);
        }
    }

    private AgentWorkload() {
    }

    /**
     * scripts/bench-agent-harness: {@code AgentWorkload HARNESS OUR_LIB_DIR [ROUNDS 2000] [WARM_UP 500]
     * [XFER_MB 64] [CLIP_BYTES 64] [REPEATS 1]} runs the reference and then ours, REPEATS times, and prints each
     * run's figures and the ratios ours/reference of the same repeat.
     */
    public static void main(String[] args) throws Exception {
        Path harness = Path.of(args[0]);
        Path ourLib = Path.of(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        int warmUp = args.length > 3 ? Integer.parseInt(args[3]) : 500;
        long xferBytes = (args.length > 4 ? Long.parseLong(args[4]) : 64) << 20;
        int clipBytes = args.length > 5 ? Integer.parseInt(args[5]) : 64;
        int repeats = args.length > 6 ? Integer.parseInt(args[6]) : 1;
        Path dir = Files.createTempDirectory("bench-agent");
        System.out.println("harness output in " + dir);
        for (int repeat = 1; repeat <= repeats; repeat++) {
            Result ref = run(harness, ourLib, dir, new Spec(false, warmUp, rounds, clipBytes, xferBytes));
            Result ours = run(harness, ourLib, dir, new Spec(true, warmUp, rounds, clipBytes, xferBytes));
            System.out.printf(Locale.ROOT, "== agent, repeat %d ==%n", repeat);
            System.out.println(ref.summary());
            System.out.println(ours.summary());
            System.out.println(ratios(ref, ours));
        }
    }

    /** One line of ratios ours/reference. */
    static String ratios(Result ref, Result ours) {
        String rounds = String.format(Locale.ROOT, "ratio ours/reference: rtt median %.2f p99 %.2f (lower is better),"
                        + " harness cpu per round %.2f", ours.rttMedianUs / ref.rttMedianUs,
                ours.rttP99Us / ref.rttP99Us, ours.cpuUsPerRound / ref.cpuUsPerRound);
        return ours.spec.xferBytes == 0 ? rounds : rounds + String.format(Locale.ROOT,
                "; transfer MB/s %.2f (higher is better), harness cpu per MB %.2f", ours.xferMBps / ref.xferMBps,
                ours.cpuMsPerMB / ref.cpuMsPerMB);
    }

    /** The harness's text for its request number {@code n}: n as 10 digits, then 'a'..'z' repeating. */
    static byte[] expectedText(long n, int size) {
        byte[] text = new byte[size];
        for (int i = 0; i < size; i++) {
            text[i] = (byte) ('a' + i % 26);
        }
        byte[] number = String.format(Locale.ROOT, "%010d", n).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(number, 0, text, 0, 10);
        return text;
    }

    /** CPU time of every thread of process {@code pid} so far, ns (threads that ended are not counted). */
    static long processCpuNs(long pid) throws IOException {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String s = Files.readString(task.resolve("schedstat"));
                    sum += Long.parseLong(s.substring(0, s.indexOf(' ')));
                } catch (IOException | RuntimeException gone) {
                    // the thread ended between listing and reading
                }
            }
        }
        return sum;
    }

    /** Runs the harness with a client linked as soon as it is ready; its output stays in dir. */
    static Result run(Path harness, Path ourLib, Path dir, Spec spec) throws Exception {
        int port = AudioWorkload.freePort();
        Path out = dir.resolve("agent-" + spec.name() + "-host.txt");
        Path err = dir.resolve("agent-" + spec.name() + "-host-err.txt");
        ProcessBuilder pb = new ProcessBuilder(harness.toAbsolutePath().toString(), String.valueOf(port))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        QemuBridgeIT.withLibrary(pb, spec.ours ? ourLib : null);
        pb.environment().put("HARNESS_CLIP_BYTES", String.valueOf(spec.clipBytes));
        pb.environment().put("HARNESS_SECONDS", "600");
        Process host = pb.start();
        Measured m = new Measured(spec);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(out).contains("ready")) {
                if (!host.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException(spec.name() + ": harness did not start: " + Files.readString(out)
                            + Files.readString(err));
                }
                Thread.sleep(10);
            }
            try (RawAgentClient client = new RawAgentClient(port, CLIENT_WINDOW)) {
                client.announce(true);
                client.next(RawAgentClient.ANNOUNCE_CAPABILITIES);
                m.clipboard(client, host.pid());
                if (spec.xferBytes > 0) {
                    m.transfer(client, host.pid());
                }
            } catch (Exception e) {
                m.failure = e.toString();
            }
            // the client left: the server tells the agent, and the harness ends
            if (!host.waitFor(10, TimeUnit.SECONDS)) {
                m.failure = (m.failure == null ? "" : m.failure + "; ") + "harness did not end after the client left";
            }
        } finally {
            host.destroyForcibly();
        }
        return m.result(Files.readAllLines(out));
    }

    /** What the client measured in one run. */
    private static final class Measured {
        final Spec spec;
        final long[] rtt;
        int wrong;
        double xferMBps;
        boolean xferSucceeded;
        long roundsCpuNs;
        long xferCpuNs;
        String failure;

        Measured(Spec spec) {
            this.spec = spec;
            this.rtt = new long[spec.rounds];
        }

        void clipboard(RawAgentClient client, long pid) throws IOException {
            byte[] request = RawSpiceClient.le(4).putInt(RawAgentClient.CLIPBOARD_UTF8_TEXT).array();
            long cpuStart = 0;
            for (int i = 0; i < spec.warmUp + spec.rounds; i++) {
                if (i == spec.warmUp) {
                    cpuStart = processCpuNs(pid);
                }
                long t0 = System.nanoTime();
                client.send(RawAgentClient.CLIPBOARD_REQUEST, request);
                RawAgentClient.AgentMessage reply = client.next(RawAgentClient.CLIPBOARD);
                long t1 = System.nanoTime();
                if (i >= spec.warmUp) {
                    rtt[i - spec.warmUp] = t1 - t0;
                }
                // VDAgentClipboard without selection: u32 type, then the text
                byte[] text = new byte[reply.body().remaining() - 4];
                reply.body().get(4, text);
                if (reply.body().getInt(0) != RawAgentClient.CLIPBOARD_UTF8_TEXT
                        || !Arrays.equals(text, expectedText(i, spec.clipBytes))) {
                    wrong++;
                }
            }
            roundsCpuNs = processCpuNs(pid) - cpuStart;
        }

        void transfer(RawAgentClient client, long pid) throws IOException {
            String keyFile = "[vdagent-file-xfer]\nname=agent-bench.bin\nsize=" + spec.xferBytes + "\n";
            byte[] keyText = (keyFile + "\0").getBytes(StandardCharsets.UTF_8); // NUL-terminated, as spice-gtk
            byte[] data = new byte[XFER_CHUNK];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 31 + 7);
            }
            long cpuStart = processCpuNs(pid);
            long t0 = System.nanoTime();
            client.send(RawAgentClient.FILE_XFER_START, RawSpiceClient.le(4).putInt(XFER_ID).array(), keyText);
            int status = status(client);
            if (status != RawAgentClient.XFER_CAN_SEND_DATA) {
                throw new IOException("the agent answered FILE_XFER_START with status " + status);
            }
            for (long sent = 0; sent < spec.xferBytes; sent += XFER_CHUNK) {
                int n = (int) Math.min(XFER_CHUNK, spec.xferBytes - sent);
                // VDAgentFileXferDataMessage: u32 id, u64 size, then the data
                byte[] head = RawSpiceClient.le(12).putInt(XFER_ID).putLong(n).array();
                client.send(RawAgentClient.FILE_XFER_DATA, head, n == data.length ? data : Arrays.copyOf(data, n));
            }
            status = status(client);
            long t1 = System.nanoTime();
            xferCpuNs = processCpuNs(pid) - cpuStart;
            xferSucceeded = status == RawAgentClient.XFER_SUCCESS;
            xferMBps = spec.xferBytes / 1e6 / ((t1 - t0) / 1e9);
        }

        /** VDAgentFileXferStatusMessage: u32 id, u32 result. */
        private static int status(RawAgentClient client) throws IOException {
            RawAgentClient.AgentMessage m = client.next(RawAgentClient.FILE_XFER_STATUS);
            if (m.body().getInt(0) != XFER_ID) {
                throw new IOException("status for transfer " + m.body().getInt(0));
            }
            return m.body().getInt(4);
        }

        Result result(List<String> hostLines) {
            long[] sorted = rtt.clone();
            Arrays.sort(sorted);
            double median = sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2] / 1e3;
            double p99 = sorted.length == 0 ? Double.NaN
                    : sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)] / 1e3;
            double mean = Arrays.stream(rtt).average().orElse(Double.NaN) / 1e3;
            long agentBytes = -1;
            long bad = -1;
            for (String line : hostLines) {
                String[] f = line.split(" ");
                if (line.startsWith("xfer done ")) {
                    agentBytes = Long.parseLong(f[3]);
                } else if (f[0].equals("done")) {
                    for (String kv : f) {
                        if (kv.startsWith("bad=")) {
                            bad = Long.parseLong(kv.substring(4));
                        }
                    }
                }
            }
            return new Result(spec, median, p99, mean, wrong, xferMBps, xferSucceeded, agentBytes,
                    spec.rounds == 0 ? Double.NaN : roundsCpuNs / 1e3 / spec.rounds,
                    spec.xferBytes == 0 ? Double.NaN : xferCpuNs / 1e6 / (spec.xferBytes / 1e6), bad, failure);
        }
    }
}
