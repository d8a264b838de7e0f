package org.spicejava.core.display;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.display.draw.Bitmap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the image encoders over a made-up screen on a short-lived thread of its own, a while after the host
 * started, so that the JIT has compiled them before a client's first full-screen picture needs them. Cold, that
 * picture costs a fresh JVM tens of milliseconds that the reference does not spend: on a client's first connection,
 * and on a migration's destination, whose client switches over moments after the VM arrives. Started later than the
 * host's own start-up so as not to slow it. Once per process; compiled code serves every thread.
 * {@code -Dspice.java.warmup=false} turns it off (to measure the cold path).
 */
public final class EncoderWarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(EncoderWarmUp.class);
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    /** After the host's start-up (QEMU answers QMP about 0.4 s after exec with ours). */
    public static final long DELAY_MS = 1000;
    static final int WIDTH = 320;
    static final int HEIGHT = 240;
    /** Enough rounds for the hot loops to reach compiled code; each costs well under a millisecond once they have. */
    static final int ROUNDS = 40;

    private EncoderWarmUp() {
    }

    /** Runs the warm-up {@link #DELAY_MS} from now, unless it was started before in this process. Any thread. */
    public static void scheduleOnce() {
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
            run();
        }, "spice-encoder-warmup");
        t.setDaemon(true);
        t.start();
    }

    /** The warm-up itself: returns the image types it made (GLZ, QUIC and LZ when all went well). */
    static Set<Integer> run() {
        long t0 = System.nanoTime();
        Set<Integer> made = new TreeSet<>();
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
        } catch (RuntimeException e) { // never expected; the encoders then simply start cold
            LOG.warn("encoder warm-up stopped: {}", e.toString());
        } finally {
            window.close();
        }
        LOG.debug("encoder warm-up: {} ms", (System.nanoTime() - t0) / 1_000_000);
        return made;
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
