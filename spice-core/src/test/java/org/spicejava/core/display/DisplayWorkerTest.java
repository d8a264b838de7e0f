package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.spicejava.core.device.QxlDevice;
import org.spicejava.core.display.draw.Rect;
import org.spicejava.core.host.QueueWorkerLoop;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.protocol.ChannelType;

/** The display worker's contract with the host: commands always come back, the ring never stalls, sync calls mean what they say. */
class DisplayWorkerTest {
    private static final long SLOT_SIZE = 1 << 16;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ram = arena.allocate(SLOT_SIZE, 8);
    private final FakeDevice device = new FakeDevice();
    private final QueueWorkerLoop loop = new QueueWorkerLoop();
    private final DisplayWorker worker = new DisplayWorker(0, device, loop, 2);

    /** A QXL device whose ring the test fills; hostile reads are simulated by the host memory it hands out. */
    private final class FakeDevice implements QxlDevice {
        final Queue<Command> ring = new ArrayDeque<>();
        final Queue<Long> released = new ConcurrentLinkedQueue<>();
        volatile long poisonedAddress = -1;

        @Override
        public void attachWorker() {
        }

        @Override
        public void setCompressionLevel(int level) {
        }

        @Override
        public InitInfo initInfo() {
            return new InitInfo(8, 8, 4, 1, 0, 64);
        }

        @Override
        public synchronized Command nextCommand() {
            return ring.poll();
        }

        @Override
        public synchronized boolean requestCommandNotification() {
            return ring.isEmpty(); // as QEMU: refused while commands wait, and no wakeup follows for those
        }

        @Override
        public void releaseResource(long releaseInfo, int groupId) {
            released.add(releaseInfo - ram.address());
        }

        @Override
        public Command nextCursorCommand() {
            return null;
        }

        @Override
        public boolean requestCursorNotification() {
            return true;
        }

        @Override
        public void flushResources() {
        }

        @Override
        public void asyncComplete(long cookie) {
        }

        @Override
        public void updateAreaComplete(int surfaceId, List<Rect> dirty) {
        }

        @Override
        public MemorySegment hostMemory(long address, long size) {
            if (address == ram.address() + poisonedAddress) {
                throw new OutOfMemoryError("simulated: the heap ran out while reading this command");
            }
            return ram.asSlice(address - ram.address(), size);
        }

        synchronized void push(Command c) {
            ring.add(c);
        }
    }

    @AfterEach
    void close() {
        worker.close();
        arena.close();
    }

    private void startWithMemslot() {
        worker.start(0);
        worker.call(() -> worker.memslots().add(0, GuestRam.SLOT,
                new Memslots.Slot(ram.address(), ram.address() + SLOT_SIZE, ram.address(), GuestRam.GENERATION)));
        worker.setRunning(true);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 200 && !condition.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
    }

    @Test
    void theDeviceHearsTheCapabilitiesEveryClientShares() {
        int sizedStream = 1 << DisplayMessages.CAP_SIZED_STREAM;
        int monitors = 1 << DisplayMessages.CAP_MONITORS_CONFIG;
        int composite = 1 << DisplayMessages.CAP_COMPOSITE;
        int a8 = 1 << DisplayMessages.CAP_A8_SURFACE;
        int preferredCompression = 1 << DisplayMessages.CAP_PREF_COMPRESSION;
        LinkMessage full = link(sizedStream | monitors | composite | a8 | preferredCompression);
        LinkMessage noComposite = link(sizedStream | monitors | a8);
        byte[] one = DisplayWorker.sharedCapabilities(List.of(full));
        assertEquals(QxlDevice.CLIENT_CAPABILITIES_BYTES, one.length);
        assertEquals(0x0f, one[0], "the four capabilities the device hears of, and no other");
        assertEquals(0x0b, DisplayWorker.sharedCapabilities(List.of(full, noComposite))[0], "the common ones");
        assertEquals(0, DisplayWorker.sharedCapabilities(List.of())[0], "no client, no capability");
    }

    private static LinkMessage link(int displayCaps) {
        return new LinkMessage(1, ChannelType.DISPLAY, 0, new int[0], new int[] {displayCaps});
    }

    @Test
    void anErrorWhileReadingACommandReleasesItAndTheRingKeepsFlowing() throws Exception {
        device.poisonedAddress = 64;
        device.push(new QxlDevice.Command(GuestRam.qxl(64), QxlReader.CMD_UPDATE, 0, 0));
        device.push(new QxlDevice.Command(GuestRam.qxl(128), QxlReader.CMD_NOP, 0, 0));
        device.push(new QxlDevice.Command(GuestRam.qxl(192), QxlReader.CMD_NOP, 0, 0));
        startWithMemslot(); // starting schedules one pass over the ring; no wakeup follows
        waitFor(() -> device.released.size() == 3);
        assertEquals(List.of(64L, 128L, 192L), List.copyOf(device.released),
                "every command released once, in order, without another wakeup");
    }

    @Test
    void aBurstOfWakeupsQueuesOneTaskAndNoneIsLost() throws Exception {
        startWithMemslot();
        waitFor(() -> loop.pending() == 0);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch hold = new CountDownLatch(1);
        worker.submit(() -> {
            holding.countDown();
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(holding.await(5, TimeUnit.SECONDS));
        device.push(new QxlDevice.Command(GuestRam.qxl(64), QxlReader.CMD_NOP, 0, 0));
        for (int i = 0; i < 1000; i++) {
            worker.wakeup();
        }
        assertEquals(1, loop.pending(), "a burst of spice_qxl_wakeup calls while the worker is busy: one task");
        hold.countDown();
        waitFor(() -> device.released.size() == 1);
        assertEquals(List.of(64L), List.copyOf(device.released));

        device.push(new QxlDevice.Command(GuestRam.qxl(128), QxlReader.CMD_NOP, 0, 0));
        worker.wakeup(); // after the burst's task ran: a wake-up of its own
        waitFor(() -> device.released.size() == 2);
        assertEquals(List.of(64L, 128L), List.copyOf(device.released));
    }

    @Test
    void aCallThatTimesOutNeverRunsLater() throws Exception {
        startWithMemslot();
        CountDownLatch hold = new CountDownLatch(1);
        worker.submit(() -> {
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        AtomicBoolean ran = new AtomicBoolean();
        worker.call(() -> ran.set(true)); // the worker is busy past the 2 s timeout: the call gives up
        hold.countDown();
        CountDownLatch after = new CountDownLatch(1);
        worker.submit(after::countDown);
        assertTrue(after.await(5, TimeUnit.SECONDS));
        assertFalse(ran.get(), "a call that returned unfinished must never run afterwards");
    }

    @Test
    void callsAfterCloseReturnAtOnceAndDoNothing() {
        startWithMemslot();
        worker.close();
        AtomicBoolean ran = new AtomicBoolean();
        long t0 = System.nanoTime();
        worker.call(() -> ran.set(true));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertFalse(ran.get());
        assertTrue(millis < 1000, "a call on a closed worker waited " + millis + " ms");
    }

    /** Writes a QXLMonitorsConfig at {@code at}: count, max_allowed, then {id, width, height, x} per head. */
    private void writeMonitors(long at, int count, int maxAllowed, int[]... heads) {
        ram.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, at, (short) count);
        ram.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, at + 2, (short) maxAllowed);
        for (int i = 0; i < heads.length; i++) {
            long h = at + 4 + 28L * i;
            ram.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, h, heads[i][0]); // id
            ram.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, h + 8, heads[i][1]); // width
            ram.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, h + 12, heads[i][2]); // height
            ram.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, h + 16, heads[i][3]); // x
        }
    }

    /** Hands the config at {@code at} to spice_qxl_monitors_config_async and returns what the display keeps. */
    private MonitorsConfig monitorsAfter(QxlControl control, long at) throws Exception {
        control.monitorsConfigAsync(GuestRam.qxl(at), 0, 1);
        CountDownLatch read = new CountDownLatch(1);
        worker.submit(read::countDown);
        assertTrue(read.await(5, TimeUnit.SECONDS));
        MonitorsConfig[] seen = new MonitorsConfig[1];
        worker.call(() -> seen[0] = worker.display().guestMonitors());
        return seen[0];
    }

    @Test
    void aGuestMonitorsConfigIsClampedToTheDevicesMaximum() throws Exception {
        startWithMemslot();
        QxlControl control = new QxlControl(0, worker);
        control.setMaxMonitors(2);
        writeMonitors(256, 5, 8, new int[] {0, 640, 480, 0}, new int[] {1, 640, 480, 640}, new int[] {2, 640, 480, 1280},
                new int[] {3, 640, 480, 1920}, new int[] {4, 640, 480, 2560});
        MonitorsConfig seen = monitorsAfter(control, 256);
        assertEquals(2, seen.heads().size(), "heads past the device's maximum are not announced");
        assertEquals(2, seen.maxAllowed());
    }

    @Test
    void guestMonitorsConfigsTheReferenceRefusesKeepTheLastOne() throws Exception {
        startWithMemslot();
        QxlControl control = new QxlControl(0, worker);
        control.setDeviceInfo("pci/0000/02.0", 0, 2);
        writeMonitors(256, 2, 4, new int[] {0, 1024, 768, 0}, new int[] {1, 800, 600, 1024});
        MonitorsConfig good = monitorsAfter(control, 256);
        assertEquals(2, good.heads().size());
        writeMonitors(512, 0, 4);
        assertEquals(good, monitorsAfter(control, 512), "no heads: refused");
        writeMonitors(768, 3, 2, new int[] {0, 640, 480, 0}, new int[] {1, 640, 480, 640}, new int[] {2, 640, 480, 1280});
        assertEquals(good, monitorsAfter(control, 768), "more heads than its own max_allowed: refused");
        writeMonitors(1024, 2, 4, new int[] {0, 0, 0, 0}, new int[] {1, 0, 768, 0});
        assertEquals(good, monitorsAfter(control, 1024), "only disabled heads: nothing to announce");
        long last = SLOT_SIZE - 4 - 28; // room for one head, not for the 2 the config claims
        writeMonitors(last, 2, 4, new int[] {0, 640, 480, 0});
        assertEquals(good, monitorsAfter(control, last), "heads past the end of guest memory: refused unread");
        writeMonitors(2048, 40000, 40000, new int[] {0, 640, 480, 0}, new int[] {1, 640, 480, 640});
        assertEquals(good, monitorsAfter(control, 2048), "40000 heads of 28 bytes do not fit in the 64 KiB memslot");
        writeMonitors(4096, 1000, 1000, new int[] {0, 640, 480, 0}, new int[] {1, 640, 480, 640},
                new int[] {2, 640, 480, 1280});
        MonitorsConfig many = monitorsAfter(control, 4096);
        assertEquals(2, many.heads().size(), "1000 heads in guest memory: the device's first 2, unlike a refusal");
        assertEquals(2, many.maxAllowed());
    }

    @Test
    void aSurfaceWhoseMemslotIsDeletedIsDestroyedNotDrawnOn() throws Exception {
        startWithMemslot();
        QxlControl control = new QxlControl(0, worker);
        control.createPrimary(0, new PrimarySurface(16, 16, 64, Surface.FMT_32_XRGB, 0, 0, 0, 0,
                GuestRam.qxl(1024), 0));
        boolean[] primary = new boolean[1];
        worker.call(() -> primary[0] = worker.display().primary() != null);
        assertTrue(primary[0], "primary created");
        control.deleteMemslot(0, GuestRam.SLOT);
        worker.call(() -> primary[0] = worker.display().primary() != null);
        assertFalse(primary[0], "the primary lived in the deleted memslot: it must not be drawn on any more");
    }
}
