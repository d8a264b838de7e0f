package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import org.spicejava.core.device.QxlDevice;

/**
 * The host's QXL device through its QXLInterface function pointers (offsets checked by LayoutTest). Each instance
 * owns one confined-per-call scratch area on its display worker thread, the only thread that calls it.
 */
final class NativeQxl implements QxlDevice {
    private static final AddressLayout PTR = ValueLayout.ADDRESS;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final MethodHandle VOID_P_P = Native.pointerCall(FunctionDescriptor.ofVoid(PTR, PTR));
    private static final MethodHandle VOID_P_I = Native.pointerCall(FunctionDescriptor.ofVoid(PTR, INT));
    private static final MethodHandle INT_P = Native.pointerCall(FunctionDescriptor.of(INT, PTR));
    private static final MethodHandle INT_P_P = Native.pointerCall(FunctionDescriptor.of(INT, PTR, PTR));
    private static final MethodHandle VOID_P_L = Native.pointerCall(FunctionDescriptor.ofVoid(PTR, ValueLayout.JAVA_LONG));
    /** QXLReleaseInfoExt is passed by value: {info pointer, uint32 group_id}, 16 bytes. */
    private static final MethodHandle RELEASE = Native.pointerCall(FunctionDescriptor.ofVoid(PTR,
            java.lang.foreign.MemoryLayout.structLayout(PTR.withName("info"), INT.withName("group_id"),
                    java.lang.foreign.MemoryLayout.paddingLayout(4))));
    static final long COMMAND_EXT_SIZE = 24;
    static final long INIT_INFO_SIZE = 24;

    private final MemorySegment instance;
    private final MemorySegment attach;
    private final MemorySegment setCompression;
    private final MemorySegment getInitInfo;
    private final MemorySegment getCommand;
    private final MemorySegment reqCommand;
    private final MemorySegment release;
    private final MemorySegment getCursor;
    private final MemorySegment reqCursor;
    private final MemorySegment flush;
    private final MemorySegment asyncComplete;
    /** Handed to attache_worker; QEMU only stores it. Lives as long as the process may use it. */
    private final MemorySegment workerToken = Arena.global().allocate(64);
    private final Arena scratchArena = Arena.ofShared();
    private final MemorySegment commandExt = scratchArena.allocate(COMMAND_EXT_SIZE, 8);
    private final MemorySegment releaseExt = scratchArena.allocate(16, 8);

    NativeQxl(MemorySegment qxlInstance) {
        this.instance = qxlInstance.reinterpret(24);
        this.attach = NativeInputs.function(instance, 24);
        this.setCompression = NativeInputs.function(instance, 32);
        this.getInitInfo = NativeInputs.function(instance, 48);
        this.getCommand = NativeInputs.function(instance, 56);
        this.reqCommand = NativeInputs.function(instance, 64);
        this.release = NativeInputs.function(instance, 72);
        this.getCursor = NativeInputs.function(instance, 80);
        this.reqCursor = NativeInputs.function(instance, 88);
        this.flush = NativeInputs.function(instance, 104);
        this.asyncComplete = NativeInputs.function(instance, 112);
    }

    static int id(MemorySegment qxlInstance) {
        return qxlInstance.reinterpret(24).get(INT, 8);
    }

    @Override
    public void attachWorker() {
        if (!attach.equals(MemorySegment.NULL)) {
            NativeInputs.call(() -> { VOID_P_P.invokeExact(attach, instance, workerToken); });
        }
    }

    @Override
    public void setCompressionLevel(int level) {
        if (!setCompression.equals(MemorySegment.NULL)) {
            NativeInputs.call(() -> { VOID_P_I.invokeExact(setCompression, instance, level); });
        }
    }

    @Override
    public InitInfo initInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(INIT_INFO_SIZE, 8);
            NativeInputs.call(() -> { VOID_P_P.invokeExact(getInitInfo, instance, info); });
            return new InitInfo(Byte.toUnsignedInt(info.get(ValueLayout.JAVA_BYTE, 8)),
                    Byte.toUnsignedInt(info.get(ValueLayout.JAVA_BYTE, 9)),
                    info.get(INT, 4), info.get(INT, 0),
                    Byte.toUnsignedInt(info.get(ValueLayout.JAVA_BYTE, 16)), info.get(INT, 20));
        }
    }

    @Override
    public Command nextCommand() {
        return next(getCommand);
    }

    @Override
    public Command nextCursorCommand() {
        return next(getCursor);
    }

    private Command next(MemorySegment fn) {
        commandExt.fill((byte) 0);
        int got;
        try {
            got = (int) INT_P_P.invokeExact(fn, instance, commandExt);
        } catch (Throwable t) {
            throw new IllegalStateException("get_command failed", t);
        }
        if (got == 0) {
            return null;
        }
        return new Command(commandExt.get(ValueLayout.JAVA_LONG, 0), commandExt.get(INT, 8),
                commandExt.get(INT, 16), commandExt.get(INT, 20));
    }

    @Override
    public boolean requestCommandNotification() {
        return request(reqCommand);
    }

    @Override
    public boolean requestCursorNotification() {
        return request(reqCursor);
    }

    private boolean request(MemorySegment fn) {
        try {
            return (int) INT_P.invokeExact(fn, instance) != 0;
        } catch (Throwable t) {
            throw new IllegalStateException("req_notification failed", t);
        }
    }

    @Override
    public void releaseResource(long releaseInfo, int groupId) {
        releaseExt.set(PTR, 0, MemorySegment.ofAddress(releaseInfo));
        releaseExt.set(INT, 8, groupId);
        NativeInputs.call(() -> { RELEASE.invokeExact(release, instance, releaseExt); });
    }

    @Override
    public void flushResources() {
        if (!flush.equals(MemorySegment.NULL)) {
            NativeInputs.call(() -> {
                int ignored = (int) INT_P.invokeExact(flush, instance);
            });
        }
    }

    @Override
    public void asyncComplete(long cookie) {
        if (!asyncComplete.equals(MemorySegment.NULL)) {
            NativeInputs.call(() -> { VOID_P_L.invokeExact(asyncComplete, instance, cookie); });
        }
    }

    @Override
    public MemorySegment hostMemory(long address, long size) {
        return Native.sized(address, size);
    }

    void close() {
        scratchArena.close();
    }
}
