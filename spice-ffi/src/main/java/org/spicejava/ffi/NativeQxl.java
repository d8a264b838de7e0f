package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;

import org.spicejava.ffi.layout.QXLCommand;
import org.spicejava.ffi.layout.QXLCommandExt;
import org.spicejava.ffi.layout.QXLDevInitInfo;
import org.spicejava.ffi.layout.QXLInstance;
import org.spicejava.ffi.layout.QXLInterface;
import org.spicejava.ffi.layout.QXLReleaseInfoExt;
import org.spicejava.ffi.layout.SpiceBaseInstance;
import org.spicejava.ffi.layout.SpiceBaseInterface;
import org.spicejava.core.device.QxlDevice;
import org.spicejava.core.display.draw.Rect;

/**
 * The host's QXL device through its QXLInterface function pointers. Its scratch structs are used only on the
 * display worker thread, the only thread that calls it.
 */
final class NativeQxl implements QxlDevice {
    private static final AddressLayout PTR = ValueLayout.ADDRESS;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final MethodHandle VOID_P_P = Native.pointerCall(FunctionDescriptor.ofVoid(PTR, PTR));
    private static final MethodHandle VOID_P_I = Native.pointerCall(FunctionDescriptor.ofVoid(PTR, INT));
    private static final MethodHandle INT_P = Native.pointerCall(FunctionDescriptor.of(INT, PTR));
    private static final MethodHandle INT_P_P = Native.pointerCall(FunctionDescriptor.of(INT, PTR, PTR));
    private static final MethodHandle VOID_P_L = Native.pointerCall(FunctionDescriptor.ofVoid(PTR, ValueLayout.JAVA_LONG));
    private static final MethodHandle VOID_P_I_P_I = Native.pointerCall(FunctionDescriptor.ofVoid(PTR, INT, PTR, INT));
    /** sizeof(QXLRect). */
    private static final long QXL_RECT_BYTES = 16;
    /** QXLReleaseInfoExt is passed by value. */
    private static final MethodHandle RELEASE = Native.pointerCall(FunctionDescriptor.ofVoid(PTR, QXLReleaseInfoExt.LAYOUT));

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
    private final MemorySegment updateAreaComplete;
    /** client_monitors_config, or NULL when the interface is older than 3.3 or leaves it out. */
    private final MemorySegment clientMonitorsConfig;
    /** Handed to attache_worker; QEMU only stores it. Lives as long as the process may use it. */
    private final MemorySegment workerToken = Arena.global().allocate(64);
    private final Arena scratchArena = Arena.ofShared();
    private final MemorySegment commandExt = scratchArena.allocate(QXLCommandExt.LAYOUT);
    private final MemorySegment releaseExt = scratchArena.allocate(QXLReleaseInfoExt.LAYOUT);

    NativeQxl(MemorySegment qxlInstance) {
        this.instance = qxlInstance.reinterpret(QXLInstance.sizeof());
        this.attach = NativeInputs.function(instance, QXLInterface.attache_worker$OFFSET);
        this.setCompression = NativeInputs.function(instance, QXLInterface.set_compression_level$OFFSET);
        this.getInitInfo = NativeInputs.function(instance, QXLInterface.get_init_info$OFFSET);
        this.getCommand = NativeInputs.function(instance, QXLInterface.get_command$OFFSET);
        this.reqCommand = NativeInputs.function(instance, QXLInterface.req_cmd_notification$OFFSET);
        this.release = NativeInputs.function(instance, QXLInterface.release_resource$OFFSET);
        this.getCursor = NativeInputs.function(instance, QXLInterface.get_cursor_command$OFFSET);
        this.reqCursor = NativeInputs.function(instance, QXLInterface.req_cursor_notification$OFFSET);
        this.flush = NativeInputs.function(instance, QXLInterface.flush_resources$OFFSET);
        this.asyncComplete = NativeInputs.function(instance, QXLInterface.async_complete$OFFSET);
        this.updateAreaComplete = NativeInputs.function(instance, QXLInterface.update_area_complete$OFFSET);
        MemorySegment base = Native.sized(SpiceBaseInstance.sif(instance.reinterpret(SpiceBaseInstance.sizeof())),
                SpiceBaseInterface.sizeof());
        boolean has33 = SpiceBaseInterface.major_version(base) == 3 && SpiceBaseInterface.minor_version(base) >= 3;
        this.clientMonitorsConfig = has33
                ? NativeInputs.function(instance, QXLInterface.client_monitors_config$OFFSET) : MemorySegment.NULL;
    }

    static int id(MemorySegment qxlInstance) {
        return QXLInstance.id(qxlInstance.reinterpret(QXLInstance.sizeof()));
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
            MemorySegment info = arena.allocate(QXLDevInitInfo.LAYOUT);
            NativeInputs.call(() -> { VOID_P_P.invokeExact(getInitInfo, instance, info); });
            return new InitInfo(Byte.toUnsignedInt(QXLDevInitInfo.memslot_gen_bits(info)),
                    Byte.toUnsignedInt(QXLDevInitInfo.memslot_id_bits(info)),
                    QXLDevInitInfo.num_memslots(info), QXLDevInitInfo.num_memslots_groups(info),
                    Byte.toUnsignedInt(QXLDevInitInfo.internal_groupslot_id(info)), QXLDevInitInfo.n_surfaces(info));
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
        MemorySegment cmd = QXLCommandExt.cmd(commandExt);
        return new Command(QXLCommand.data(cmd), QXLCommand.type(cmd), QXLCommandExt.group_id(commandExt),
                QXLCommandExt.flags(commandExt));
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
        QXLReleaseInfoExt.info(releaseExt, MemorySegment.ofAddress(releaseInfo));
        QXLReleaseInfoExt.group_id(releaseExt, groupId);
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
    public void updateAreaComplete(int surfaceId, List<Rect> dirty) {
        if (updateAreaComplete.equals(MemorySegment.NULL)) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rects = arena.allocate(QXL_RECT_BYTES * Math.max(1, dirty.size()), 8);
            for (int i = 0; i < dirty.size(); i++) {
                Rect r = dirty.get(i);
                MemorySegment.copy(new int[] {r.top(), r.left(), r.bottom(), r.right()}, 0, rects,
                        ValueLayout.JAVA_INT, i * QXL_RECT_BYTES, 4);
            }
            int count = dirty.size();
            NativeInputs.call(() -> { VOID_P_I_P_I.invokeExact(updateAreaComplete, instance, surfaceId, rects, count); });
        }
    }

    /** Main-loop thread (as the reference calls it); its own confined memory, not the worker's scratch. */
    @Override
    public boolean clientMonitorsConfig(java.nio.ByteBuffer config) {
        if (clientMonitorsConfig.equals(MemorySegment.NULL)) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment arg = MemorySegment.NULL;
            if (config != null) {
                arg = arena.allocate(Math.max(1, config.remaining()), 4);
                arg.copyFrom(MemorySegment.ofBuffer(config));
            }
            MemorySegment passed = arg;
            return (int) INT_P_P.invokeExact(clientMonitorsConfig, instance, passed) != 0;
        } catch (Throwable t) {
            throw new IllegalStateException("client_monitors_config failed", t);
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
