package org.spicejava.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.spicejava.core.link.TicketKey;

/**
 * Session costs of the reference library and ours in one run, against native-headers' inputs harness:
 * connect-to-first-message (TCP connect until MAIN_INIT arrives, including the RSA link stage) and input latency
 * (a KEY_DOWN written by the client until the host's keyboard callback runs, on the shared monotonic clock).
 * Usage: SessionLatency HARNESS OUR_LIB_DIR
 */
public final class SessionLatency {
    private static final int MAGIC = 0x51444552;
    private static final int CONNECTS = 30;
    private static final int KEYS = 300;

    private SessionLatency() {
    }

    public static void main(String[] args) throws Exception {
        String harness = args[0];
        String ourLib = args[1];
        double[] ref = measure(harness, null);
        double[] ours = measure(harness, ourLib);
        System.out.printf("connect-to-first-message median ms: reference %.2f, ours %.2f, ratio %.2f%n",
                ref[0], ours[0], ours[0] / ref[0]);
        System.out.printf("key input latency median us: reference %.1f, ours %.1f, ratio %.2f%n",
                ref[1], ours[1], ours[1] / ref[1]);
    }

    /** {median connect ms, median key latency us}. */
    static double[] measure(String harness, String libDir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(harness, String.valueOf(port)).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("HARNESS_TIMESTAMPS", "1");
        pb.environment().put("HARNESS_SECONDS", "120");
        pb.environment().remove("LD_LIBRARY_PATH");
        if (libDir != null) {
            pb.environment().put("LD_LIBRARY_PATH", libDir);
        }
        Process host = pb.start();
        Map<Integer, Long> keyTimes = new ConcurrentHashMap<>();
        BufferedReader out = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8));
        while (!"ready".equals(out.readLine())) {
            // wait for the host
        }
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                String line;
                int index = 0;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("key ") && line.contains(" t=")) {
                        keyTimes.put(index++, Long.parseLong(line.substring(line.indexOf("t=") + 2)));
                    }
                }
            } catch (IOException ignored) {
                // host ended
            }
        });
        try {
            double[] connects = new double[CONNECTS];
            Socket main = null;
            int session = 0;
            for (int i = 0; i < CONNECTS; i++) {
                if (main != null) {
                    main.close();
                    Thread.sleep(100); // let the server drop the old session first (the reference resets otherwise)
                }
                long t0 = System.nanoTime();
                main = new Socket("127.0.0.1", port);
                main.setTcpNoDelay(true);
                try {
                    link(main, 0, 1);
                } catch (IOException e) {
                    throw new IOException("connect " + i + (libDir == null ? " (reference)" : " (ours)"), e);
                }
                ByteBuffer init = message(main.getInputStream());
                connects[i] = (System.nanoTime() - t0) / 1e6;
                session = init.getInt(0);
            }
            Socket inputs = new Socket("127.0.0.1", port);
            inputs.setTcpNoDelay(true);
            link(inputs, session, 3);
            message(inputs.getInputStream()); // INPUTS_INIT
            long[] sent = new long[KEYS];
            OutputStream o = inputs.getOutputStream();
            for (int i = 0; i < KEYS; i++) {
                int code = (i % 2 == 0) ? 0x1e : 0x9e; // 'a' down / up, one byte each
                ByteBuffer m = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN)
                        .putShort((short) 101).putInt(4).putInt(code);
                sent[i] = System.nanoTime();
                o.write(m.array());
                Thread.sleep(1);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (keyTimes.size() < KEYS && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            List<Double> latencies = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) {
                Long t = keyTimes.get(i);
                if (t != null) {
                    latencies.add((t - sent[i]) / 1e3);
                }
            }
            inputs.close();
            main.close();
            return new double[] {median(connects), median(latencies.stream().mapToDouble(d -> d).toArray())};
        } finally {
            host.destroy();
            host.waitFor(5, TimeUnit.SECONDS);
            reader.join(1000);
        }
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length == 0 ? Double.NaN : v[v.length / 2];
    }

    static void link(Socket s, int connectionId, int type) throws Exception {
        ByteBuffer m = ByteBuffer.allocate(16 + 18 + 4).order(ByteOrder.LITTLE_ENDIAN);
        m.putInt(MAGIC).putInt(2).putInt(2).putInt(18 + 4);
        m.putInt(connectionId).put((byte) type).put((byte) 0).putInt(1).putInt(0).putInt(18).putInt(0b1011);
        s.getOutputStream().write(m.array());
        InputStream in = s.getInputStream();
        ByteBuffer header = ByteBuffer.wrap(in.readNBytes(16)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] reply = in.readNBytes(header.getInt(12));
        byte[] key = Arrays.copyOfRange(reply, 4, 4 + TicketKey.PUBLIC_KEY_BYTES);
        s.getOutputStream().write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(1).array());
        s.getOutputStream().write(TicketKey.encrypt(key, new byte[1]));
        int result = ByteBuffer.wrap(in.readNBytes(4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (result != 0) {
            throw new IOException("link refused: " + result);
        }
    }

    static ByteBuffer message(InputStream in) throws IOException {
        ByteBuffer h = ByteBuffer.wrap(in.readNBytes(6)).order(ByteOrder.LITTLE_ENDIAN);
        return ByteBuffer.wrap(in.readNBytes(h.getInt(2))).order(ByteOrder.LITTLE_ENDIAN);
    }
}
