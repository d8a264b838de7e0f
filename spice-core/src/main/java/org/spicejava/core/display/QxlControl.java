package org.spicejava.core.display;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.display.draw.Rect;

/**
 * The spice_qxl_* calls of one QXL instance, handed to its {@link DisplayWorker}: synchronous ones wait for the
 * worker, *_async ones return at once and complete through the device's async_complete. Callable from any thread.
 */
public final class QxlControl {
    private static final Logger LOG = LoggerFactory.getLogger(QxlControl.class);
    /** SPICE's limit on monitors per QXL device (the reference's MAX_MONITORS_COUNT). */
    static final int MAX_MONITORS = 16;
    /** The reference's MAX_DEVICE_ADDRESS_LEN, with the terminating NUL. */
    static final int MAX_ADDRESS_BYTES = 256;

    private final int id;
    private final DisplayWorker worker;
    /** Heads a guest monitors config may announce: the reference starts without a limit (UINT_MAX). */
    private volatile int maxMonitors = MonitorsConfig.MAX_HEADS;
    private volatile String deviceAddress = "";
    private volatile int displayIdStart;
    private volatile int displayIdCount;

    /** Lines about guest monitors configs (display worker thread). */
    private final DropLog monitorsLog;

    public QxlControl(int id, DisplayWorker worker) {
        this.id = id;
        this.worker = worker;
        this.monitorsLog = new DropLog(LOG, "display " + id);
    }

    /** Told about the primary surface (on the worker thread): size and whether client mouse mode fits it. */
    public interface PrimaryListener {
        void changed(int width, int height, boolean clientMouse);
    }

    private volatile PrimaryListener primaryListener = (w, h, m) -> { };

    public void onPrimaryChange(PrimaryListener listener) {
        primaryListener = listener;
    }

    public int id() {
        return id;
    }

    public DisplayWorker worker() {
        return worker;
    }

    public void wakeup() {
        worker.wakeup();
    }

    public void oom() {
        worker.wakeup();
    }

    public void start() {
        worker.setRunning(true);
    }

    public void stop() {
        worker.setRunning(false);
    }

    public void addMemslot(int group, int slot, Memslots.Slot value) {
        worker.call(() -> addSlot(group, slot, value));
    }

    public void addMemslotAsync(int group, int slot, Memslots.Slot value, long cookie) {
        worker.async(cookie, () -> addSlot(group, slot, value));
    }

    public void deleteMemslot(int group, int slot) {
        worker.call(() -> {
            if (!worker.memslots().delete(group, slot)) {
                LOG.warn("display {}: del_memslot {}/{} out of range", id, group, slot);
            }
            destroySurfacesOutsideMemslots();
        });
    }

    public void resetMemslots() {
        worker.call(() -> {
            worker.memslots().reset();
            destroySurfacesOutsideMemslots();
        });
    }

    /** Surfaces left without their memslot are destroyed (clients told), never drawn on outside every slot. */
    private void destroySurfacesOutsideMemslots() {
        for (int surfaceId : worker.surfacesOutsideMemslots()) {
            LOG.warn("display {}: surface {} lost its memslot; destroyed", id, surfaceId);
            if (surfaceId == 0) {
                destroyPrimarySurface(0);
            } else {
                worker.display().destroy(surfaceId);
            }
        }
        worker.releaseDestroyedSurfaces();
    }

    public void createPrimary(int surfaceId, PrimarySurface surface) {
        worker.call(() -> createPrimarySurface(surfaceId, surface));
    }

    public void createPrimaryAsync(int surfaceId, PrimarySurface surface, long cookie) {
        worker.async(cookie, () -> createPrimarySurface(surfaceId, surface));
    }

    public void destroyPrimary(int surfaceId) {
        worker.call(() -> destroyPrimarySurface(surfaceId));
    }

    public void destroyPrimaryAsync(int surfaceId, long cookie) {
        worker.async(cookie, () -> destroyPrimarySurface(surfaceId));
    }

    public void destroySurfaces() {
        worker.call(this::destroyAllSurfaces);
    }

    public void destroySurfacesAsync(long cookie) {
        worker.async(cookie, this::destroyAllSurfaces);
    }

    /**
     * Waits until nothing of the surface is still to be drawn. We draw every command as it is taken, so this is
     * a synchronisation point with the worker only (the guest destroys the surface with a command afterwards).
     */
    public void destroySurfaceWait(int surfaceId) {
        worker.call(() -> { });
    }

    public void destroySurfaceAsync(int surfaceId, long cookie) {
        worker.async(cookie, () -> { });
    }

    /**
     * The surface's memory is current (we draw as commands are taken); returns the area changed since the last
     * clear as dirty rectangles (at most {@code maxRects}, here one bounding rectangle) and clears it if asked.
     */
    public List<Rect> updateArea(int surfaceId, Rect area, int maxRects, boolean clearDirty) {
        List<Rect> dirty = new ArrayList<>();
        worker.call(() -> dirty.addAll(dirtyRects(surfaceId, maxRects, clearDirty)));
        return dirty;
    }

    public void updateAreaAsync(int surfaceId, Rect area, boolean clearDirty, long cookie) {
        worker.async(cookie, () -> worker.device().updateAreaComplete(surfaceId,
                dirtyRects(surfaceId, 1, clearDirty)));
    }

    private List<Rect> dirtyRects(int surfaceId, int maxRects, boolean clear) {
        worker.display().drawDeferred();
        Surface s = worker.display().surface(surfaceId);
        if (s == null) {
            LOG.warn("display {}: update_area of surface {} that does not exist", id, surfaceId);
            return List.of();
        }
        Rect dirty = s.dirty();
        if (clear) {
            s.clearDirty();
        }
        return dirty.isEmpty() || maxRects < 1 ? List.of() : List.of(dirty);
    }

    public void flushSurfacesAsync(long cookie) {
        worker.async(cookie, () -> { });
    }

    /**
     * Reads the guest's QXLMonitorsConfig and tells clients what {@link MonitorsConfig.Guest#check} keeps of it on a
     * device of {@link #maxMonitors} heads; what it refuses or changes gets one log line. Unreadable memory is
     * ignored (with a line) and, as in the reference, does not mark the driver as one that describes its heads.
     */
    public void monitorsConfigAsync(long address, int group, long cookie) {
        worker.async(cookie, () -> {
            MonitorsConfig.Guest guest;
            try {
                guest = worker.reader().monitorsConfig(address, group);
            } catch (QxlException e) {
                monitorsLog.monitorsConfig("unreadable, ignored: " + e.getMessage(), true);
                return;
            }
            MonitorsConfig.Checked checked = guest.check(maxMonitors);
            if (checked.note() != null) {
                monitorsLog.monitorsConfig((checked.config() == null ? "refused: " : "") + checked.note(),
                        checked.bad());
            }
            worker.display().setGuestMonitors(checked.config());
        });
    }

    public void resetCursor() {
        worker.call(() -> worker.cursor().reset());
    }

    /** The guest's image ids start over: clients forget the pixmaps they keep under them. */
    public void resetImageCache() {
        worker.call(() -> worker.display().clients().forEach(DisplayChannelClient::resetPixmaps));
    }

    /** The guest driver went away: its monitors configuration goes with it, as in the reference. */
    public void driverUnload() {
        worker.call(() -> worker.display().driverUnloaded());
    }

    /** spice_qxl_loadvm_commands: saved commands, handled (and released) as ring commands are. */
    public void loadvmCommands(List<org.spicejava.core.device.QxlDevice.Command> commands) {
        worker.call(() -> commands.forEach(worker::handle));
    }

    /** spice_qxl_set_max_monitors (an unsigned int): at least 1, as the reference; at most what we accept. */
    public void setMaxMonitors(int value) {
        maxMonitors = (int) Math.clamp(Integer.toUnsignedLong(value), 1, MonitorsConfig.MAX_HEADS);
    }

    /**
     * spice_qxl_set_device_info: the device's address (e.g. "pci/0000/02.0") and its displays' ids, which the agent
     * receives as graphics device info. Refused as the reference refuses it: an address of 256 bytes or more, more
     * displays than a device may have.
     */
    public void setDeviceInfo(String address, int idStart, int idCount) {
        int addressBytes = address == null ? 0 : address.getBytes(StandardCharsets.UTF_8).length;
        if (address == null || addressBytes >= MAX_ADDRESS_BYTES
                || Integer.compareUnsigned(idCount, MAX_MONITORS) > 0) {
            LOG.warn("display {}: set_device_info with an address of {} bytes and {} displays refused (limits {}, {})",
                    id, addressBytes, Integer.toUnsignedString(idCount), MAX_ADDRESS_BYTES - 1, MAX_MONITORS);
            return;
        }
        deviceAddress = address;
        displayIdStart = idStart;
        displayIdCount = idCount;
        maxMonitors = Math.max(1, idCount);
        deviceInfoListener.run();
    }

    private volatile Runnable deviceInfoListener = () -> { };

    /** Told (on the caller's thread) when the device info changed. */
    public void onDeviceInfoChange(Runnable listener) {
        deviceInfoListener = listener;
    }

    public int maxMonitors() {
        return maxMonitors;
    }

    public String deviceAddress() {
        return deviceAddress;
    }

    public int displayIdStart() {
        return displayIdStart;
    }

    public int displayIdCount() {
        return displayIdCount;
    }

    private void addSlot(int group, int slot, Memslots.Slot value) {
        if (!worker.memslots().add(group, slot, value)) {
            LOG.warn("display {}: add_memslot {}/{} out of range; ignored", id, group, slot);
        }
    }

    private void createPrimarySurface(int surfaceId, PrimarySurface p) {
        if (surfaceId != 0) {
            LOG.warn("display {}: primary surface id {} is not 0; ignored", id, surfaceId);
            return;
        }
        try {
            worker.display().create(worker.surface(0, p.width(), p.height(), p.stride(), p.format(), p.memory(),
                    p.groupId(), true, (p.flags() & DisplayWorker.KEEP_DATA) != 0));
            worker.cursor().init();
            primaryListener.changed(p.width(), p.height(), p.mouseMode() != 0);
        } catch (QxlException e) {
            LOG.warn("display {}: primary surface {}x{} stride {} format {} refused: {}", id, p.width(), p.height(),
                    p.stride(), p.format(), e.getMessage());
        }
    }

    private void destroyPrimarySurface(int surfaceId) {
        if (surfaceId != 0 || worker.display().primary() == null) {
            LOG.warn("display {}: destroy_primary_surface of surface {}, which is not the primary; ignored", id,
                    surfaceId);
            return;
        }
        worker.display().destroy(0);
        worker.cursor().reset(); // as the reference: the cursor goes with the primary surface
        primaryListener.changed(0, 0, false);
    }

    private void destroyAllSurfaces() {
        if (worker.display().primary() != null) {
            primaryListener.changed(0, 0, false);
        }
        worker.display().destroyAll();
        worker.cursor().reset();
        worker.releaseDestroyedSurfaces();
    }
}
