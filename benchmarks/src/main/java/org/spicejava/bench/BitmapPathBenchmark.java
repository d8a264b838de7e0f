package org.spicejava.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.spicejava.core.device.QxlDevice;
import org.spicejava.core.display.DisplayMessages;
import org.spicejava.core.display.GuestMemory;
import org.spicejava.core.display.Memslots;
import org.spicejava.core.display.PixelPool;
import org.spicejava.core.display.QxlReader;
import org.spicejava.core.display.Renderer;
import org.spicejava.core.display.Surface;
import org.spicejava.core.display.draw.Drawable;

/**
 * The bitmap path of one full-HD update as QEMU sends it for -vga std (a DRAW_COPY of a 32-bit top-down bitmap):
 * read and decode it from guest memory, draw it on the local surface, encode the wire message. Per frame.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BitmapPathBenchmark {
    static final int WIDTH = 1920;
    static final int HEIGHT = 1080;
    static final int ROWS_PER_CHUNK = 34;
    private Arena arena;
    private QxlReader reader;
    private Renderer renderer;
    private Surface surface;
    private long drawable;
    private Drawable parsed;
    private final PixelPool pool = new PixelPool();
    /** Stands for the kernel's socket buffer: the one copy every server makes. */
    private final ByteBuffer socketBuffer = ByteBuffer.allocateDirect(4 * WIDTH * HEIGHT + 4096);

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        long frame = 4L * WIDTH * HEIGHT;
        MemorySegment guest = arena.allocate(3 * frame + 4096 + 20L * (HEIGHT / ROWS_PER_CHUNK + 1), 64);
        Memslots slots = new Memslots(new QxlDevice.InitInfo(8, 8, 1, 1, 0, 16));
        slots.add(0, 0, new Memslots.Slot(guest.address(), guest.address() + guest.byteSize(), guest.address(), 0));
        GuestMemory memory = new GuestMemory(slots, (address, size) -> guest.asSlice(address - guest.address(), size));
        // Layout at offsets: 64 drawable (191 bytes), 512 image (48), 4096 pixels, then the surface.
        putCopy(guest, 64, 512);
        guest.set(ValueLayout.JAVA_INT_UNALIGNED, 512 + 10, WIDTH);
        guest.set(ValueLayout.JAVA_INT_UNALIGNED, 512 + 14, HEIGHT);
        guest.set(ValueLayout.JAVA_BYTE, 512 + 18, (byte) 8); // 32BIT
        guest.set(ValueLayout.JAVA_BYTE, 512 + 19, (byte) 5); // DIRECT | TOP_DOWN
        guest.set(ValueLayout.JAVA_INT_UNALIGNED, 512 + 20, WIDTH);
        guest.set(ValueLayout.JAVA_INT_UNALIGNED, 512 + 24, HEIGHT);
        guest.set(ValueLayout.JAVA_INT_UNALIGNED, 512 + 28, 4 * WIDTH);
        guest.set(ValueLayout.JAVA_LONG_UNALIGNED, 512 + 40, 4096);
        // The same pixels as a guest driver sends them: not direct, in one QXLDataChunk (a 20-byte header before
        // them), from a second image (1024) and drawable (256).
        putCopy(guest, 256, 1024);
        MemorySegment.copy(guest, 512, guest, 1024, 48);
        guest.set(ValueLayout.JAVA_BYTE, 1024 + 19, (byte) 4); // TOP_DOWN
        guest.set(ValueLayout.JAVA_LONG_UNALIGNED, 1024 + 40, 4096 - 20);
        guest.set(ValueLayout.JAVA_INT_UNALIGNED, 4096 - 20, (int) frame); // data_size; prev and next 0
        // Again in chunks of 34 rows (256 KB), as the Xorg qxl driver splits large images: image 1536 and
        // drawable 1280, the chunks after the surface (each header right before its rows).
        putCopy(guest, 1280, 1536);
        MemorySegment.copy(guest, 1024, guest, 1536, 48);
        long chunkAt = 4096 + 2 * frame;
        guest.set(ValueLayout.JAVA_LONG_UNALIGNED, 1536 + 40, chunkAt);
        for (int row = 0; row < HEIGHT; row += ROWS_PER_CHUNK) {
            int bytes = 4 * WIDTH * Math.min(ROWS_PER_CHUNK, HEIGHT - row);
            long next = row + ROWS_PER_CHUNK < HEIGHT ? chunkAt + 20 + bytes : 0;
            guest.set(ValueLayout.JAVA_INT_UNALIGNED, chunkAt, bytes);
            guest.set(ValueLayout.JAVA_LONG_UNALIGNED, chunkAt + 12, next);
            chunkAt = next;
        }
        for (long i = 0; i < frame; i += 4) {
            guest.set(ValueLayout.JAVA_INT_UNALIGNED, 4096 + i, (int) (i * 2654435761L));
        }
        reader = new QxlReader(memory, id -> null);
        renderer = new Renderer(id -> null);
        surface = new Surface(0, WIDTH, HEIGHT, Surface.FMT_32_XRGB, -4 * WIDTH, guest.asSlice(4096 + frame, frame),
                true);
        drawable = 64;
        parsed = reader.drawable(drawable, 0, 0, arena);
    }

    /** A full-screen QXL_DRAW_COPY drawable at {@code at} of the image at {@code image}. */
    private static void putCopy(MemorySegment s, long at, long image) {
        s.set(ValueLayout.JAVA_BYTE, at + 13, (byte) 3); // QXL_DRAW_COPY
        putRect(s, at + 31, HEIGHT, WIDTH);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, at + 123, image);
        putRect(s, at + 131, HEIGHT, WIDTH);
        s.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 147, (short) 8); // rop: put
    }

    private static void putRect(MemorySegment s, long at, int bottom, int right) {
        s.set(ValueLayout.JAVA_INT_UNALIGNED, at + 8, bottom);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, at + 12, right);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Guest memory to a validated drawable with decoded pixels (in an arena of its own, as the worker does). */
    @Benchmark
    public int read() {
        try (PixelPool.Lease images = pool.lease()) {
            return reader.drawable(drawable, 0, 0, images).bbox().width();
        }
    }

    /** {@link #read} for the image in one data chunk, as guest drivers send images. */
    @Benchmark
    public int readChunked() {
        try (PixelPool.Lease images = pool.lease()) {
            return reader.drawable(256, 0, 0, images).bbox().width();
        }
    }

    /** {@link #read} for the image in chunks of whole rows, as the Xorg qxl driver sends large images. */
    @Benchmark
    public int readRowChunks() {
        try (PixelPool.Lease images = pool.lease()) {
            return reader.drawable(1280, 0, 0, images).bbox().width();
        }
    }

    /** A decoded drawable drawn into surface memory. */
    @Benchmark
    public Surface render() {
        renderer.draw(surface, parsed);
        return surface;
    }

    /** A decoded drawable to its wire parts (pixels are not copied). */
    @Benchmark
    public ByteBuffer[] encode() {
        return DisplayMessages.draw(parsed, null).parts();
    }

    /** Everything the worker does for one frame, and the copy of the message into a socket buffer. */
    @Benchmark
    public long fullPath() {
        PixelPool.Lease images = pool.lease();
        Drawable d = reader.drawable(drawable, 0, 0, images);
        renderer.draw(surface, d);
        DisplayMessages.Message m = DisplayMessages.draw(d, images);
        long written = 0;
        for (ByteBuffer part : m.parts()) {
            socketBuffer.clear();
            written += socketBuffer.put(part).position();
        }
        m.release();
        return written;
    }
}
