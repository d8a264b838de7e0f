package org.spicejava.core.compress;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.display.draw.Bitmap;

/**
 * Runs the image encoders a client's first picture needs (LZ, GLZ, QUIC) over a small synthetic picture on a
 * background thread, a little after the server starts, so the JIT has compiled them before a client connects: cold,
 * the first 720x400 LZ picture took about 40 ms of interpretation. About 50 ms of CPU, once per process.
 */
public final class CodecWarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(CodecWarmUp.class);
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    /** Off the host's start-up, which shares the CPU with it. */
    static final long DELAY_MS = 1000;
    static final int SIZE = 128;
    static final int ROUNDS = 40;

    private CodecWarmUp() {
    }

    /** Starts the warm-up the first time it is called; later calls do nothing. */
    public static void startOnce() {
        if (STARTED.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("spice-codec-warmup").start(CodecWarmUp::run);
        }
    }

    private static void run() {
        try {
            Thread.sleep(DELAY_MS);
            long started = System.nanoTime();
            encodeAll(ROUNDS);
            LOG.debug("codec warm-up took {} ms", (System.nanoTime() - started) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            LOG.debug("codec warm-up failed: {}", t.toString()); // only start-up speed is lost
        }
    }

    /** Encodes a text-like and a photo-like picture {@code rounds} times with each encoder; the total bytes out. */
    static long encodeAll(int rounds) {
        long bytes = 0;
        try (Arena arena = Arena.ofConfined()) {
            Bitmap text = picture(arena, false);
            Bitmap photo = picture(arena, true);
            for (int i = 0; i < rounds; i++) {
                try (Arena round = Arena.ofConfined()) {
                    bytes += LzImage.lz(text, round).byteSize();
                    bytes += LzImage.glz(text, i, round).byteSize();
                    MemorySegment quic = QuicImage.encode(photo, round);
                    bytes += quic == null ? 0 : quic.byteSize();
                }
            }
        }
        return bytes;
    }

    private static Bitmap picture(Arena arena, boolean photo) {
        MemorySegment pixels = arena.allocate(4L * SIZE * SIZE, 4);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int v = photo ? ((x * 7 + y * 3) ^ (x * y)) & 0xff : ((x / 6 + y / 12) % 5 == 0 ? 0xc0 : 0x10);
                pixels.setAtIndex(ValueLayout.JAVA_INT, (long) y * SIZE + x, v | (v << 8) | ((v / 2) << 16));
            }
        }
        return new Bitmap(SIZE, SIZE, pixels, false);
    }
}
