package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import org.spicejava.core.chardev.CharDeviceHost;
import org.spicejava.ffi.layout.SpiceBaseInstance;
import org.spicejava.ffi.layout.SpiceBaseInterface;
import org.spicejava.ffi.layout.SpiceCharDeviceInterface;

/**
 * A host char device through its SpiceCharDeviceInterface function pointers. {@link #read} may run on the thread
 * that called spice_server_char_device_wakeup (QEMU: a vCPU thread with its global lock held), the rest on the
 * main-loop thread; each direction has its own native buffer, so the two never share memory.
 */
final class NativeCharDevice implements CharDeviceHost {
    /** Bytes moved per call at most: one agent chunk with its header and more, as the reference's buffers. */
    private static final int BUFFER_BYTES = 4096;

    private final MemorySegment instance;
    private final MemorySegment stateFn;
    private final MemorySegment writeFn;
    private final MemorySegment readFn;
    private final MemorySegment eventFn;
    /** Lives as long as the device may be called; the instance belongs to the host, which may re-add it. */
    private final Arena arena = Arena.ofShared();
    private final MemorySegment readBuffer = arena.allocate(BUFFER_BYTES);
    private final MemorySegment writeBuffer = arena.allocate(BUFFER_BYTES);

    NativeCharDevice(MemorySegment sin) {
        this.instance = sin;
        this.stateFn = NativeInputs.function(sin, SpiceCharDeviceInterface.state$OFFSET);
        this.writeFn = NativeInputs.function(sin, SpiceCharDeviceInterface.write$OFFSET);
        this.readFn = NativeInputs.function(sin, SpiceCharDeviceInterface.read$OFFSET);
        MemorySegment base = Native.sized(SpiceBaseInstance.sif(sin.reinterpret(SpiceBaseInstance.sizeof())),
                SpiceBaseInterface.sizeof());
        // event arrived with interface minor 2; older hosts' structs end before it.
        this.eventFn = SpiceBaseInterface.minor_version(base) >= 2
                ? NativeInputs.function(sin, SpiceCharDeviceInterface.event$OFFSET) : MemorySegment.NULL;
    }

    @Override
    public int read(ByteBuffer dst) {
        if (readFn.equals(MemorySegment.NULL)) {
            return 0;
        }
        int len = Math.min(dst.remaining(), BUFFER_BYTES);
        if (len == 0) {
            return 0;
        }
        int n;
        try {
            n = (int) Native.callHost(readFn, instance.address(), readBuffer.address(), len, 0, 0);
        } catch (Throwable t) {
            throw new IllegalStateException("char device read failed: " + t, t);
        }
        if (n <= 0) {
            return 0;
        }
        n = Math.min(n, len); // a host claiming more than asked gets no more than asked
        dst.put(readBuffer.asSlice(0, n).asByteBuffer());
        return n;
    }

    @Override
    public int write(ByteBuffer src) {
        if (writeFn.equals(MemorySegment.NULL)) {
            return 0;
        }
        int len = Math.min(src.remaining(), BUFFER_BYTES);
        if (len == 0) {
            return 0;
        }
        writeBuffer.asSlice(0, len).asByteBuffer().put(src.duplicate().limit(src.position() + len));
        int n;
        try {
            n = (int) Native.callHost(writeFn, instance.address(), writeBuffer.address(), len, 0, 0);
        } catch (Throwable t) {
            throw new IllegalStateException("char device write failed: " + t, t);
        }
        if (n <= 0) {
            return 0;
        }
        n = Math.min(n, len);
        src.position(src.position() + n);
        return n;
    }

    @Override
    public void state(boolean connected) {
        if (!stateFn.equals(MemorySegment.NULL)) {
            NativeInputs.call(() -> Native.callHost(stateFn, instance.address(), connected ? 1 : 0, 0, 0, 0));
        }
    }

    @Override
    public void event(int event) {
        if (!eventFn.equals(MemorySegment.NULL)) {
            NativeInputs.call(() -> Native.callHost(eventFn, instance.address(), event & 0xff, 0, 0, 0));
        }
    }
}
