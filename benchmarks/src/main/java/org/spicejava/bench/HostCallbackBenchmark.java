package org.spicejava.bench;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.spicejava.core.device.Keyboard;
import org.spicejava.core.host.EventLoop;
import org.spicejava.ffi.HostCoreLoop;
import org.spicejava.ffi.Native;
import org.spicejava.ffi.NativeInputs;

/**
 * The Java->C path into host callbacks, against native-headers' do-nothing host (libbenchhost.so): a keyboard
 * scancode push and a timer start, the two most frequent main-loop callbacks.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HostCallbackBenchmark {
    private Keyboard keyboard;
    private EventLoop.Timer timer;

    @Setup
    public void setUp() {
        Path host = Path.of(System.getProperty("bench.host", "native-headers/build/libbenchhost.so")).toAbsolutePath();
        MemorySegment kbd = Native.symbol(host, "bench_kbd_instance");
        MemorySegment core = Native.symbol(host, "bench_core_interface");
        keyboard = NativeInputs.keyboard(kbd);
        timer = new HostCoreLoop(core).newTimer(() -> { });
    }

    @Benchmark
    public void keyboardPushScanCode() {
        keyboard.pushScanCode(0x1e);
    }

    @Benchmark
    public void timerStart() {
        timer.start(10);
    }
}
