package org.spicejava.core.display;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spice_qxl_* calls of one QXL instance, handed to its {@link DisplayWorker}: synchronous ones wait for the
 * worker, *_async ones return at once and complete through the device's async_complete. Callable from any thread.
 */
public final class QxlControl {
    private static final Logger LOG = LoggerFactory.getLogger(QxlControl.class);
    /** SPICE's limit on monitors per QXL device (the reference's MAX_MONITORS_COUNT). */
    static final int MAX_MONITORS = 16;

    private final int id;
    private final DisplayWorker worker;
    private volatile int maxMonitors = 1;
    private volatile String deviceAddress = "";
    private volatile int displayIdStart;
    private volatile int displayIdCount;

    public QxlControl(int id, DisplayWorker worker) {
        this.id = id;
        this.worker = worker;
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
        });
    }

    public void resetMemslots() {
        worker.call(() -> worker.memslots().reset());
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
        worker.call(() -> worker.setPrimary(null));
    }

    public void destroySurfacesAsync(long cookie) {
        worker.async(cookie, () -> worker.setPrimary(null));
    }

    public void destroySurfaceWait(int surfaceId) {
        worker.call(() -> { });
    }

    public void destroySurfaceAsync(int surfaceId, long cookie) {
        worker.async(cookie, () -> { });
    }

    /** Processes every queued command first so the area in guest memory is current. */
    public void updateArea(int surfaceId) {
        worker.call(() -> { });
    }

    public void updateAreaAsync(int surfaceId, long cookie) {
        worker.async(cookie, () -> { });
    }

    public void flushSurfacesAsync(long cookie) {
        worker.async(cookie, () -> { });
    }

    public void monitorsConfigAsync(long cookie) {
        worker.async(cookie, () -> { });
    }

    public void resetCursor() {
        worker.call(() -> { });
    }

    public void resetImageCache() {
        worker.call(() -> { });
    }

    public void driverUnload() {
        worker.call(() -> { });
    }

    public void setMaxMonitors(int value) {
        maxMonitors = Math.clamp(value, 1, MAX_MONITORS);
    }

    public void setDeviceInfo(String address, int idStart, int idCount) {
        deviceAddress = address == null ? "" : address;
        displayIdStart = idStart;
        displayIdCount = idCount;
        maxMonitors = Math.clamp(idCount, 1, MAX_MONITORS);
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

    private void createPrimarySurface(int surfaceId, PrimarySurface surface) {
        if (surfaceId != 0) {
            LOG.warn("display {}: primary surface id {} is not 0; ignored", id, surfaceId);
            return;
        }
        if (surface.width() <= 0 || surface.height() <= 0) {
            LOG.warn("display {}: primary surface {}x{} refused", id, surface.width(), surface.height());
            return;
        }
        worker.setPrimary(surface);
    }

    private void destroyPrimarySurface(int surfaceId) {
        if (surfaceId != 0) {
            LOG.warn("display {}: destroy_primary_surface id {} is not 0; ignored", id, surfaceId);
            return;
        }
        worker.setPrimary(null);
    }
}
