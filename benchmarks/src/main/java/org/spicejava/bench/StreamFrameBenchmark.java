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
import org.spicejava.core.compress.JpegEncoder;
import org.spicejava.core.compress.MjpegVideo;
import org.spicejava.core.compress.VideoEncoder;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.ffi.LibVpx;
import org.spicejava.ffi.LibX264;
import org.spicejava.ffi.TurboJpeg;

/**
 * A video stream's frame from guest memory to the bytes the socket gets: the 640x400 frame's rows copied out of a
 * 1024x768 guest framebuffer (as a stream frame's source area is cut from the guest's bitmap), then encoded by the
 * stream's encoder at 4 Mbit/s. The picture pans a little every frame, as a video does, so inter-frame codecs work
 * for their bytes. Time per frame.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class StreamFrameBenchmark {
    static final int GUEST_WIDTH = 1024;
    static final int GUEST_HEIGHT = 768;
    static final int WIDTH = 640;
    static final int HEIGHT = 400;
    static final long BIT_RATE = 4_000_000;

    @Param({"mjpeg", "h264", "vp8", "vp9"})
    public String codec;

    private Arena arena;
    private MemorySegment guest;
    private JpegEncoder jpeg;
    private VideoEncoder encoder;
    private int frame;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        guest = arena.allocate(4L * GUEST_WIDTH * GUEST_HEIGHT, 64);
        Random random = new Random(7);
        for (int y = 0; y < GUEST_HEIGHT; y++) {
            for (int x = 0; x < GUEST_WIDTH; x++) {
                int n = random.nextInt(13) - 6;
                int r = Math.clamp(x * 255L / GUEST_WIDTH + n, 0, 255);
                int g = Math.clamp(y * 255L / GUEST_HEIGHT + n, 0, 255);
                int b = Math.clamp(128 + (long) (90 * Math.sin((x + y) / 37.0)) + n, 0, 255);
                guest.setAtIndex(ValueLayout.JAVA_INT, (long) y * GUEST_WIDTH + x, r << 16 | g << 8 | b);
            }
        }
        jpeg = TurboJpeg.codec().open();
        encoder = StreamCodecsForBench.open(codec, jpeg, BIT_RATE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        encoder.close();
        jpeg.close();
        arena.close();
    }

    @Benchmark
    public long frame() {
        int shift = frame % 64;
        frame++;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment px = a.allocate(4L * WIDTH * HEIGHT, 64);
            for (int y = 0; y < HEIGHT; y++) {
                MemorySegment.copy(guest, 4L * ((long) (y + 100) * GUEST_WIDTH + 100 + shift), px, 4L * y * WIDTH,
                        4L * WIDTH);
            }
            MemorySegment out = encoder.encode(new Bitmap(WIDTH, HEIGHT, px, false), frame * 40, a);
            return out == null ? -1 : out.byteSize();
        }
    }

    /** The encoders by name, as the server opens them. */
    static final class StreamCodecsForBench {
        static VideoEncoder open(String codec, JpegEncoder jpeg, long bitRate) {
            VideoEncoder.Factory f = switch (codec) {
                case "mjpeg" -> MjpegVideo.over(() -> jpeg);
                case "h264" -> LibX264.h264();
                case "vp8" -> LibVpx.vp8();
                case "vp9" -> LibVpx.vp9();
                default -> throw new IllegalArgumentException("no codec " + codec);
            };
            VideoEncoder e = f.open(bitRate);
            if (e == null) {
                throw new IllegalStateException(codec + " is not available on this machine");
            }
            return e;
        }
    }
}
