package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The clients of the fault tests: spice-gtk display clients that stay attached or get SIGKILLed mid-frame,
 * spicy-screenshot killed while it links, raw sockets that stop in the middle of the link message, and a stream of
 * short connections.
 */
final class FaultClients {
    static final Path DISPLAY_CLIENT = QemuQxlGuestIT.DISPLAY_CLIENT;

    private final int port;
    private final List<Process> started;

    FaultClients(int port, List<Process> started) {
        this.port = port;
        this.started = started;
    }

    /** A spice-gtk client with display and cursor channels that reads everything; returns once it has a surface. */
    Process attach(Path log) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", DISPLAY_CLIENT.toString(), String.valueOf(port),
                "--bench", "600").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!QemuQxlGuestIT.readOrEmpty(log).contains("primary ")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                fail("the display client got no primary surface within 20 s; it printed:\n"
                        + QemuQxlGuestIT.readOrEmpty(log));
            }
            Thread.sleep(50);
        }
        return p;
    }

    /** Null if the attached client is still running and no channel of it closed or failed, else what happened. */
    static String lost(Process client, Path log) throws IOException {
        String out = QemuQxlGuestIT.readOrEmpty(log);
        String event = out.lines().filter(l -> l.startsWith("event ")).findFirst().orElse(null);
        if (event != null) {
            return "a channel ended: " + event;
        }
        return client.isAlive() ? null : "the client exited: " + out.lines().reduce((a, b) -> b).orElse("");
    }

    static void detach(Process client) throws InterruptedException {
        client.destroy();
        if (!client.waitFor(10, TimeUnit.SECONDS)) {
            client.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Display clients SIGKILLed 0.2-1 s after their first surface, while the guest draws: mid-frame. */
    void killMidFrame(int count, Path dir) throws Exception {
        for (int i = 0; i < count; i++) {
            Process p = attach(dir.resolve("killed-" + i + ".log"));
            Thread.sleep(200 + ThreadLocalRandom.current().nextInt(800));
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS); // SIGKILL
        }
    }

    /**
     * Raw display channels reset (SO_LINGER 0) after reading up to {@code bytes} of the server's stream while the
     * guest draws: the server's next write to them fails at once, in the middle of sending frames. Returns how many
     * were reset after some of the stream arrived; a link the server refuses or drops only counts less.
     */
    int resetMidStream(int count, int bytes) {
        int cut = 0;
        for (int i = 0; i < count; i++) {
            try (RawSpiceClient main = new RawSpiceClient(port)) {
                int session = main.linkMainAndAttach();
                try (RawSpiceClient display = new RawSpiceClient(port)) {
                    if (display.link(session, 2, 0, 0, "") != 0) {
                        continue;
                    }
                    display.socket.setSoLinger(true, 0); // close() resets
                    display.socket.setSoTimeout(3000);
                    if (display.in.readNBytes(bytes).length > 0) {
                        cut++;
                    }
                }
            } catch (Exception e) {
                // a refused, dropped or silent channel: nothing to cut
            }
        }
        return cut;
    }

    /** spicy-screenshot SIGKILLed a few to tens of milliseconds after it starts: within its channels' links. */
    void killScreenshotsMidLink(int count, Path dir) throws Exception {
        for (int i = 0; i < count; i++) {
            Process p = new ProcessBuilder(Peers.SCREENSHOT.toString(), "-h", "127.0.0.1", "-p",
                    String.valueOf(port), "-o", dir.resolve("midlink-" + i + ".ppm").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("midlink-" + i + ".log").toFile()).start();
            started.add(p);
            Thread.sleep(5 + 10L * i);
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** The first {@code bytes} of a main channel link message (header 16 bytes, then 18 + 8 of body). */
    static byte[] linkPrefix(int bytes) {
        ByteBuffer m = RawSpiceClient.le(16 + 18 + 8);
        m.putInt(RawSpiceClient.MAGIC).putInt(2).putInt(2).putInt(18 + 8);
        m.putInt(0).put((byte) 1).put((byte) 0).putInt(1).putInt(1).putInt(18);
        m.putInt(0b1011).putInt(0);
        byte[] prefix = new byte[bytes];
        System.arraycopy(m.array(), 0, prefix, 0, bytes);
        return prefix;
    }

    /**
     * Cuts a connection mid-link: sends the first {@code bytes} of the link message, then closes, with a reset
     * (SO_LINGER 0) when {@code reset}.
     */
    void halfLink(int bytes, boolean reset) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            if (reset) {
                s.setSoLinger(true, 0);
            }
            OutputStream out = s.getOutputStream();
            out.write(linkPrefix(bytes));
            out.flush();
        }
    }

    /** Connections cut at every stage of the link: inside the header, inside the body, before the ticket. */
    void cutMidLink(int rounds) throws Exception {
        for (int i = 0; i < rounds; i++) {
            for (int bytes : new int[] {1, 10, 16, 20, 41}) {
                halfLink(bytes, i % 2 == 0);
            }
            // A complete link message, the server's reply read, and no ticket: cut while it waits for the auth.
            try (RawSpiceClient c = new RawSpiceClient(port)) {
                c.out.write(linkPrefix(42));
                c.read(16);
                if (i % 2 == 0) {
                    c.socket.setSoLinger(true, 0);
                }
            }
        }
    }

    /** What a stream of connections achieved; link times are of the complete links, from connect to the result. */
    record Churn(int complete, int completeFailed, int half, double perSecond, long medianLinkMillis,
                 long maxLinkMillis, String firstFailure) {
    }

    /**
     * {@code perSecond} connections a second for {@code seconds}, alternately a complete main channel link (up to the
     * link result) then close, and a half link cut after a random part of the link message. Each starts on time on a
     * pool of threads (an open load): a slow server gets more connections at once, not fewer.
     */
    Churn churn(long seconds, int perSecond) throws Exception {
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Long>> links = new ArrayList<>();
        List<Future<?>> halves = new ArrayList<>();
        long t0 = System.nanoTime();
        long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
        try {
            for (long n = 0; t0 + n * periodNanos < end; n++) {
                long wait = t0 + n * periodNanos - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                if (n % 2 == 0) {
                    links.add(pool.submit(this::completeLink));
                } else {
                    int bytes = 1 + ThreadLocalRandom.current().nextInt(41);
                    boolean reset = n % 4 == 1;
                    halves.add(pool.submit(() -> {
                        halfLink(bytes, reset);
                        return null;
                    }));
                }
            }
            pool.shutdown();
            if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
                fail("churn: connections still open 60 s after the last one started");
            }
        } finally {
            pool.shutdownNow();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        List<Long> millis = new ArrayList<>();
        String firstFailure = null;
        for (Future<Long> f : links) {
            try {
                millis.add(f.get());
            } catch (ExecutionException e) {
                firstFailure = firstFailure != null ? firstFailure : e.getCause().toString();
            }
        }
        for (Future<?> f : halves) {
            try {
                f.get();
            } catch (ExecutionException refused) {
                // a refused half link is as good as a dropped one
            }
        }
        Collections.sort(millis);
        return new Churn(links.size(), links.size() - millis.size(), halves.size(), (links.size() + halves.size()) / secs,
                millis.isEmpty() ? -1 : millis.get(millis.size() / 2), millis.isEmpty() ? -1 : millis.getLast(),
                firstFailure);
    }

    /** Links a main channel and closes; returns the milliseconds to the link result, throws unless it is OK. */
    private long completeLink() throws Exception {
        long t = System.nanoTime();
        try (RawSpiceClient c = new RawSpiceClient(port)) {
            int result = c.link(0, 1, 0, 0, "");
            if (result != 0) {
                throw new IOException("link result " + result);
            }
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t);
    }
}
