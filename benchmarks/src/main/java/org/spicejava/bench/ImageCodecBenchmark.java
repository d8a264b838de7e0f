package org.spicejava.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.compress.JpegEncoder;
import org.spicejava.core.compress.JavaLz4;
import org.spicejava.core.compress.JpegImage;
import org.spicejava.core.compress.Lz4Image;
import org.spicejava.core.compress.LzImage;
import org.spicejava.core.compress.QuicImage;
import org.spicejava.core.compress.ZlibGlz;
import org.spicejava.core.display.Graduality;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.ffi.LibLz4;
import org.spicejava.ffi.TurboJpeg;

/**
 * Each image encoder on one full-HD frame of three kinds of content (time per frame; MB/s = 8.29 MB / time).
 * Run it with the shim's JIT flags and without to see what the JIT choice costs (scripts/bench passes both).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ImageCodecBenchmark {
    static final int WIDTH = 1920;
    static final int HEIGHT = 1080;

    @Param({"desktop", "text", "photo"})
    public String content;

    private Arena arena;
    private Bitmap frame;
    private long glzId;
    private JpegEncoder jpeg;
    private ZlibGlz zlib;
    private MemorySegment glzFrame;
    private GlzWindow window;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        MemorySegment px = arena.allocate(4L * WIDTH * HEIGHT, 64);
        Random random = new Random(11);
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                px.setAtIndex(ValueLayout.JAVA_INT, (long) y * WIDTH + x, pixel(x, y, random));
            }
        }
        frame = new Bitmap(WIDTH, HEIGHT, px, false);
        jpeg = TurboJpeg.codec().open(); // on this benchmark thread, as a display worker opens its own
        zlib = new ZlibGlz();
        glzFrame = LzImage.glz(frame, 0, arena);
        window = new GlzWindow();
    }

    /** Flat panels and frames; glyph-like cells on a dark console; smooth gradients with sensor noise. */
    private int pixel(int x, int y, Random random) {
        return switch (content) {
            case "desktop" -> y < 32 ? 0x303A50 : (x % 480 < 2 || y % 270 < 2) ? 0x202020
                    : (x / 480 + y / 270) % 2 == 0 ? 0xF2F2F2 : 0xDDE6F0;
            case "text" -> ((x % 8 < 6) && (y % 16 > 3) && (y % 16 < 14)
                    && ((x * 7 + y * 13 + (x / 8) * (y / 16)) % 5 < 2)) ? 0xC0C0C0 : 0x000000;
            default -> {
                int n = random.nextInt(9) - 4;
                int r = Math.clamp((x * 255L / WIDTH) + n, 0, 255);
                int g = Math.clamp((y * 255L / HEIGHT) + n, 0, 255);
                int b = Math.clamp(((x + y) * 255L / (WIDTH + HEIGHT)) + n, 0, 255);
                yield r << 16 | g << 8 | b;
            }
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (jpeg != null) {
            jpeg.close();
        }
        zlib.close();
        window.close();
        arena.close();
    }

    @Benchmark
    public long lz() {
        try (Arena a = Arena.ofConfined()) {
            return LzImage.lz(frame, a).byteSize();
        }
    }

    /**
     * A session's GLZ dictionary fed the same-sized frame again and again, as a full-screen update stream feeds it:
     * each frame is matched against the kept one, kept, and the one before evicted.
     */
    @Benchmark
    public long glzWindow() {
        try (Arena a = Arena.ofConfined()) {
            return window.encode(frame, GlzWindow.MAX_PIXELS, a).byteSize();
        }
    }

    /** The photo test auto_glz runs on every image before choosing QUIC or GLZ. */
    @Benchmark
    public int graduality() {
        return Graduality.of(frame).ordinal();
    }

    @Benchmark
    public long glz() {
        try (Arena a = Arena.ofConfined()) {
            return LzImage.glz(frame, glzId++, a).byteSize();
        }
    }

    /** liblz4 through our FFM binding, as the server sends LZ4 images (the reference's library and calls). */
    @Benchmark
    public long lz4() {
        try (Arena a = Arena.ofConfined()) {
            return Lz4Image.encode(frame, a, LibLz4.codec()).byteSize();
        }
    }

    /** lz4-java's pure-Java codec: the fallback without liblz4. */
    @Benchmark
    public long lz4Java() {
        try (Arena a = Arena.ofConfined()) {
            return Lz4Image.encode(frame, a, JavaLz4.INSTANCE).byteSize();
        }
    }

    /** libturbojpeg at the reference's quality (85), through our FFM binding. */
    @Benchmark
    public long jpeg() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = JpegImage.jpeg(frame, jpeg, JpegImage.QUALITY, a);
            return out == null ? -1 : out.byteSize();
        }
    }

    /** The zlib pass of ZLIB_GLZ_RGB over this frame's GLZ payload (level 3, as the reference). */
    @Benchmark
    public long zlibOverGlz() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = zlib.wrap(glzFrame, a);
            return out == null ? -1 : out.byteSize();
        }
    }

    /** As ImageEncoder calls it: given up (null) once larger than the raw frame. */
    @Benchmark
    public long quic() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = QuicImage.encode(frame, 4L * WIDTH * HEIGHT - 1, a);
            return s == null ? -1 : s.byteSize();
        }
    }
}
