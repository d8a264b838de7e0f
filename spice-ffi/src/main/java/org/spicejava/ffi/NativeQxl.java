package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
    /** sizeof(QXLRect). */
    private static final long QXL_RECT_BYTES = 16;

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
    /** set_client_capabilities, or NULL when the interface is older than 3.2 or leaves it out. */
    private final MemorySegment setClientCapabilities;
    /** client_monitors_config, or NULL when the interface is older than 3.3 or leaves it out. */
    private final MemorySegment clientMonitorsConfig;
    /** Handed to attache_worker; QEMU only stores it. Lives as long as the process may use it. */
    private final MemorySegment workerToken = Arena.global().allocate(64);
    private final Arena scratchArena = Arena.ofShared();
    private final MemorySegment commandExt = scratchArena.allocate(QXLCommandExt.LAYOUT);
    /** set_client_capabilities' argument; worker thread only. */
    private final MemorySegment clientCaps = scratchArena.allocate(QxlDevice.CLIENT_CAPABILITIES_BYTES);

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
        int minor = SpiceBaseInterface.major_version(base) == 3 ? SpiceBaseInterface.minor_version(base) : -1;
        this.setClientCapabilities = minor >= 2
                ? NativeInputs.function(instance, QXLInterface.set_client_capabilities$OFFSET) : MemorySegment.NULL;
        boolean has33 = minor >= 3;
        this.clientMonitorsConfig = has33
                ? NativeInputs.function(instance, QXLInterface.client_monitors_config$OFFSET) : MemorySegment.NULL;
    }

    static int id(MemorySegment qxlInstance) {
        return QXLInstance.id(qxlInstance.reinterpret(QXLInstance.sizeof()));
    }

    @Override
    public void attachWorker() {
        if (!attach.equals(MemorySegment.NULL)) {
            NativeInputs.call(() -> Native.callHost(attach, instance.address(), workerToken.address(), 0, 0, 0));
        }
    }

    @Override
    public void setCompressionLevel(int level) {
        if (!setCompression.equals(MemorySegment.NULL)) {
            NativeInputs.call(() -> Native.callHost(setCompression, instance.address(), level, 0, 0, 0));
        }
    }

    @Override
    public InitInfo initInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(QXLDevInitInfo.LAYOUT);
            NativeInputs.call(() -> Native.callHost(getInitInfo, instance.address(), info.address(), 0, 0, 0));
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
            got = (int) Native.callHost(fn, instance.address(), commandExt.address(), 0, 0, 0);
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
            return (int) Native.callHost(fn, instance.address(), 0, 0, 0, 0) != 0;
        } catch (Throwable t) {
            throw new IllegalStateException("req_notification failed", t);
        }
    }

    @Override
    public void releaseResource(long releaseInfo, int groupId) {
        // QXLReleaseInfoExt {info, group_id} is passed by value: as its two words
        NativeInputs.call(() -> Native.callHost(release, instance.address(), releaseInfo, Integer.toUnsignedLong(groupId), 0, 0));
    }

    @Override
    public void flushResources() {
        if (!flush.equals(MemorySegment.NULL)) {
            NativeInputs.call(() -> {
                Native.callHost(flush, instance.address(), 0, 0, 0, 0);
            });
        }
    }

    @Override
    public void asyncComplete(long cookie) {
        if (!asyncComplete.equals(MemorySegment.NULL)) {
            NativeInputs.call(() -> Native.callHost(asyncComplete, instance.address(), cookie, 0, 0, 0));
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
            NativeInputs.call(() -> Native.callHost(updateAreaComplete, instance.address(), surfaceId, rects.address(), count, 0));
        }
    }

    @Override
    public void setClientCapabilities(boolean clientPresent, byte[] caps) {
        if (!setClientCapabilities.equals(MemorySegment.NULL)) {
            clientCaps.fill((byte) 0);
            MemorySegment.copy(caps, 0, clientCaps, ValueLayout.JAVA_BYTE, 0,
                    Math.min(caps.length, QxlDevice.CLIENT_CAPABILITIES_BYTES));
            NativeInputs.call(() -> Native.callHost(setClientCapabilities, instance.address(), clientPresent ? 1 : 0,
                    clientCaps.address(), 0, 0));
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
            return (int) Native.callHost(clientMonitorsConfig, instance.address(), arg.address(), 0, 0, 0) != 0;
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
