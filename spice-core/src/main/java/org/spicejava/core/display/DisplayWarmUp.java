package org.spicejava.core.display;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Mask;
import org.spicejava.core.display.draw.Rect;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.net.DetachedSocket;
import org.spicejava.core.net.SocketConnection;

/**
 * Runs the image encoders over a made-up screen, then made-up display clients through their first picture and a
 * few draws (into a socket that discards what it is given), on a short-lived thread of its own a while after the
 * host started, so that the JIT has compiled that path before a real client needs it. Cold, a client's first
 * picture costs a fresh JVM tens of milliseconds that the reference does not spend: on a client's first connection,
 * and on a migration's destination, whose client switches over moments after the VM arrives. Started later than the
 * host's own start-up so as not to slow it. Touches no host callback and no real socket. Once per process; compiled
 * code serves every thread. {@code -Dspice.java.warmup=false} turns it off (to measure the cold path).
 */
public final class DisplayWarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(DisplayWarmUp.class);
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    /** After the host's start-up (QEMU answers QMP about 0.4 s after exec with ours). */
    public static final long DELAY_MS = 1000;
    static final int WIDTH = 320;
    static final int HEIGHT = 240;
    /** Enough rounds for the hot loops to reach compiled code; each costs well under a millisecond once they have. */
    static final int ROUNDS = 40;
    /**
     * Made-up clients: a few, for what a first use costs whatever the JIT does later (classes initialized, call
     * sites and lambdas linked); compiling the path needs hundreds and took half a second of CPU at every start.
     */
    static final int CLIENT_ROUNDS = 8;
    /** A display channel link with mini headers, as spice-gtk's. */
    private static final LinkMessage LINK = new LinkMessage(0, 2, 0, new int[] {0b1011}, new int[0]);

    /** What a warm-up did: the image types the encoders made, and the bytes its made-up clients were sent. */
    record Result(Set<Integer> imageTypes, long clientBytes) {
    }

    private DisplayWarmUp() {
    }

    /**
     * Runs the warm-up {@link #DELAY_MS} from now, unless it was started before in this process, after
     * {@code firstUse}: other work a client's first connection would otherwise pay for. Any thread.
     */
    public static void scheduleOnce(Runnable firstUse) {
        if (!Boolean.parseBoolean(System.getProperty("spice.java.warmup", "true"))
                || !STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(DELAY_MS);
            } catch (InterruptedException e) {
                return;
            }
            firstUse.run();
            run();
        }, "spice-display-warmup");
        t.setDaemon(true);
        t.start();
    }

    /** The warm-up itself. */
    static Result run() {
        long t0 = System.nanoTime();
        Set<Integer> made = new TreeSet<>();
        long clientBytes = 0;
        GlzWindow window = new GlzWindow();
        try (Arena arena = Arena.ofConfined()) {
            Bitmap text = new Bitmap(WIDTH, HEIGHT, textScreen(arena), false);
            Bitmap photo = new Bitmap(WIDTH / 4, HEIGHT / 4, photo(arena), false);
            ImageEncoder encoder = new ImageEncoder(window, true);
            encoder.glzWindow(2 * WIDTH * HEIGHT); // GLZ matches into an earlier image, keeping little memory
            for (int i = 0; i < ROUNDS; i++) {
                try (Arena round = Arena.ofConfined()) {
                    for (ImageEncoder.Encoded e : new ImageEncoder.Encoded[] {
                            encoder.encode(text, ImageEncoder.AUTO_GLZ, round),
                            encoder.encode(photo, ImageEncoder.AUTO_GLZ, round),
                            encoder.encode(text, ImageEncoder.LZ, round)}) {
                        if (e != null) {
                            made.add(e.type());
                        }
                    }
                }
            }
            clientBytes = clients(textScreen(arena), window);
        } catch (RuntimeException e) { // never expected; that path then simply starts cold
            LOG.warn("display warm-up stopped: {}", e.toString());
        } finally {
            window.close();
        }
        LOG.debug("display warm-up: {} ms", (System.nanoTime() - t0) / 1_000_000);
        return new Result(made, clientBytes);
    }

    /**
     * Made-up clients of a display of its own, over {@code screen}: each links, gets the screen (surface, picture,
     * MARK) and a few copies drawn on it, and leaves. Returns the bytes they were sent.
     */
    private static long clients(MemorySegment screen, GlzWindow window) {
        DisplayChannel display = new DisplayChannel(0, 1);
        display.create(new Surface(0, WIDTH, HEIGHT, Surface.FMT_32_XRGB, 4 * WIDTH, screen, true));
        Bitmap tile = new Bitmap(WIDTH / 8, HEIGHT / 8, screen.asSlice(0, 4L * (WIDTH / 8) * (HEIGHT / 8)), false);
        long sent = 0;
        try {
            for (int i = 0; i < CLIENT_ROUNDS; i++) {
                Sink sink = new Sink();
                SocketConnection connection = new SocketConnection(Sink.FD, sink, sink, 64L << 20);
                DisplayChannelClient client = new DisplayChannelClient(connection, LINK, display, window);
                display.addClient(client);
                connection.start(in -> { }, reason -> display.removeClient(client));
                client.start();
                for (int d = 0; d < 4; d++) {
                    int x = (i * 4 + d) % 8 * tile.width();
                    display.draw(new Drawable(0, 0, new Rect(0, x, tile.height(), x + tile.width()), null,
                            new DrawOp.Copy(tile, Rect.ofSize(tile.width(), tile.height()), DrawOp.ROPD_OP_PUT, 1,
                                    Mask.NONE, false), 0), display.pixels().lease());
                }
                client.close("warm-up done");
                client.detach();
                sent += sink.written;
            }
        } finally {
            display.pixels().clear();
        }
        return sent;
    }

    /** A connected socket and its loop that take every write whole and never have input. */
    private static final class Sink extends DetachedSocket {
        static final int FD = Integer.MAX_VALUE; // never a real descriptor: nothing reaches the system
        long written;

        @Override
        public int write(int fd, ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            written += n;
            return n;
        }

        @Override
        public int read(int fd, ByteBuffer dst) {
            return 0;
        }

        @Override
        public void close(int fd) {
        }

        @Override
        public Watch newWatch(int fd, int mask, IntConsumer onEvents) {
            return new Watch() {
                @Override
                public void updateMask(int newMask) {
                }

                @Override
                public void remove() {
                }
            };
        }
    }

    /** Text-like: rows of 8x16 glyphs drawn from a small set on a flat background, as a console or a desktop. */
    static MemorySegment textScreen(Arena arena) {
        MemorySegment s = arena.allocate(4L * WIDTH * HEIGHT, 8);
        long seed = 0x9E3779B97F4A7C15L;
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                int glyph = (int) (((x >> 3) * 31L + (y >> 4) * 17L) % 23);
                boolean ink = glyph < 19 && ((seed >>> ((glyph + (x & 7) + (y & 15)) & 63)) & 1) != 0;
                s.setAtIndex(ValueLayout.JAVA_INT, (long) y * WIDTH + x, ink ? 0xFFD0D0D0 : 0xFF202840);
            }
        }
        return s;
    }

    /** Photo-like: smooth gradients with noise, which the auto modes send as QUIC. */
    static MemorySegment photo(Arena arena) {
        int w = WIDTH / 4;
        int h = HEIGHT / 4;
        MemorySegment s = arena.allocate(4L * w * h, 8);
        int noise = 12345;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                noise = noise * 1103515245 + 12345;
                int n = (noise >>> 16) & 7;
                int r = (x * 255 / w + n) & 0xFF;
                int g = (y * 255 / h + n) & 0xFF;
                int b = ((x + y) * 127 / (w + h) + n) & 0xFF;
                s.setAtIndex(ValueLayout.JAVA_INT, (long) y * w + x, 0xFF000000 | r << 16 | g << 8 | b);
            }
        }
        return s;
    }
}
