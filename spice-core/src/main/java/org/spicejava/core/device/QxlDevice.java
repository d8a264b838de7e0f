package org.spicejava.core.device;

import java.lang.foreign.MemorySegment;
import java.util.List;

import org.spicejava.core.display.draw.Rect;

/**
 * The host's QXL device callbacks (QXLInterface). Called only on that device's display worker thread.
 * Commands are handed over as the host's QXLCommandExt fields; memory behind them is read through memslots.
 */
public interface QxlDevice {
    /** The QXLDevInitInfo the device reports. */
    record InitInfo(int memslotGenBits, int memslotIdBits, int numMemslots, int numMemslotGroups,
                    int internalGroupId, int surfacesCount) {
    }

    /** A QXLCommandExt: the command's guest address and type, and the memslot group it lives in. */
    record Command(long data, int type, int groupId, int flags) {
    }

    void attachWorker();

    void setCompressionLevel(int level);

    InitInfo initInfo();

    /** The next display command, or null when the ring is empty. */
    Command nextCommand();

    /** Asks for a wakeup when a command arrives; false means one may already be there. */
    boolean requestCommandNotification();

    /** Gives a command's resources back to the guest; exactly once per command. */
    void releaseResource(long releaseInfo, int groupId);

    Command nextCursorCommand();

    boolean requestCursorNotification();

    void flushResources();

    void asyncComplete(long cookie);

    /** Reports the rectangles an async update_area left current (QXLInterface.update_area_complete). */
    void updateAreaComplete(int surfaceId, List<Rect> dirty);

    /**
     * QXLInterface.client_monitors_config (interface 3.3+): hands the client's VDAgentMonitorsConfig (little-endian)
     * to the device; null only asks whether the device and its guest driver take one. Called on the main-loop
     * thread, as the reference calls it. Devices without the callback answer false.
     */
    default boolean clientMonitorsConfig(java.nio.ByteBuffer config) {
        return false;
    }

    /** SPICE_CAPABILITIES_SIZE: the bytes of QXLRom.client_capabilities, bit n of byte n / 8 for capability n. */
    int CLIENT_CAPABILITIES_BYTES = 58;

    /**
     * QXLInterface.set_client_capabilities (interface 3.2+): whether a client's display channel is connected, and
     * the display capabilities all connected clients share ({@link #CLIENT_CAPABILITIES_BYTES} bytes); QEMU puts them
     * in the device's ROM for the guest driver and raises QXL_INTERRUPT_CLIENT. Worker thread, only while the VM
     * runs (QEMU logs an event raised while it is stopped as a server bug). Devices without the callback ignore it.
     */
    default void setClientCapabilities(boolean clientPresent, byte[] caps) {
    }

    /** The sizes of host memory regions handed in by the host, for memslots (addresses are host virtual). */
    MemorySegment hostMemory(long address, long size);
}
