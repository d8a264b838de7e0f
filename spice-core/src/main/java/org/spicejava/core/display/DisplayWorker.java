package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.channel.NetworkEstimate;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.compress.JpegEncoder;
import org.spicejava.core.compress.VideoEncoder;
import org.spicejava.core.device.QxlDevice;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.host.WorkerLoop;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.net.SocketConnection;
import org.spicejava.core.protocol.ChannelType;

/**
 * One QXL instance's display worker (the reference's RedWorker plus its dispatcher): a platform thread that owns
 * the memslots, the surfaces and the command rings, and is the only thread that calls the device's callbacks.
 * Other threads reach it through {@link #submit} (async) or {@link #call} (the synchronous spice_qxl_* calls).
 */
public final class DisplayWorker {
    private static final Logger LOG = LoggerFactory.getLogger(DisplayWorker.class);
    /** Commands taken from a ring per turn before other work gets a chance, as the reference bounds its loop. */
    static final int MAX_COMMANDS_PER_TURN = 50;
    /** A synchronous call that does not finish in this time is abandoned so the host thread is never stuck. */
    static final long SYNC_TIMEOUT_SECONDS = 10;
    /** QXL_SURF_FLAG_KEEP_DATA: the surface memory already holds the picture. */
    static final int KEEP_DATA = 1;

    private final QxlDevice device;
    private final int id;
    private final WorkerLoop loop;
    private final Thread thread;
    private final DropLog drops;
    private final CursorChannel cursor = new CursorChannel();
    private Memslots memslots;
    private GuestMemory memory;
    private QxlReader reader;
    private DisplayChannel display;
    /** The memslot group of the host's own commands (QXLDevInitInfo.internal_groupslot_id). */
    private int internalGroup;
    /** Where each live surface's memory came from, so a memslot change can tell which lost their memory. */
    private final Map<Integer, GuestRange> surfaceMemory = new HashMap<>();

    private record GuestRange(long address, long size, int group, long hostAddress) {
    }

    /** Surface-create commands stay unreleased while their surface lives, as the reference keeps them. */
    private final Map<Integer, QxlDevice.Command> surfaceCreates = new HashMap<>();
    /** Synchronous calls still waiting; closing the worker abandons them so no caller waits for nothing. */
    private final Set<SyncCall> pendingCalls = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private boolean running;
    /** What set_client_capabilities last told the device: a client is connected. Worker thread. */
    private boolean deviceHeardOfClients;
    private boolean processingScheduled;
    /** {@link #processRings} as the task every wake-up posts (one object, not one per wake-up). */
    private final Runnable processRingsTask = this::processRings;
    private volatile boolean closed;
    private long commandsProcessed;
    /** Ends streams that stop getting frames (the reference checks in its worker loop). */
    private WorkerLoop.Timer streamTimerRef;
    private WorkerLoop.Timer replacementTimerRef;

    private final long syncTimeoutSeconds;
    /** Where this worker's JPEG encoder comes from (opened on the worker when first needed); null: none. */
    private volatile JpegEncoder.Factory jpegCodec;
    private volatile List<VideoEncoder.Factory> videoEncoders = List.of();

    public DisplayWorker(int id, QxlDevice device, WorkerLoop loop) {
        this(id, device, loop, SYNC_TIMEOUT_SECONDS);
    }

    DisplayWorker(int id, QxlDevice device, WorkerLoop loop, long syncTimeoutSeconds) {
        this.syncTimeoutSeconds = syncTimeoutSeconds;
        this.id = id;
        this.device = device;
        this.loop = loop;
        this.thread = Thread.ofPlatform().name("spice-display-" + id).daemon().unstarted(loop::run);
        this.drops = new DropLog(LOG, "display " + id);
    }

    public int id() {
        return id;
    }

    /** The worker's event loop: channels of this display live on it. */
    public WorkerLoop loop() {
        return loop;
    }

    /** The JPEG codec this worker opens an encoder of when one is first needed (null: none). Before {@link #start}. */
    public void useJpeg(JpegEncoder.Factory codec) {
        jpegCodec = codec;
    }

    /** The host's video encoders beyond MJPEG; before {@link #start}. */
    public void useVideoEncoders(List<VideoEncoder.Factory> factories) {
        videoEncoders = List.copyOf(factories);
    }

    /** spice_server_set_video_codecs as codec types, in the server's order. Any thread. */
    public void setVideoCodecs(List<Integer> order) {
        List<Integer> copy = List.copyOf(order);
        submit(() -> display.setVideoCodecs(copy));
    }

    /** Starts the thread; the device's attach and init-info callbacks run first, on the worker. */
    public void start(int compressionLevel) {
        thread.start();
        call(() -> {
            // As the reference: the device's sizes first, then attache_worker (which may add memslots at once).
            QxlDevice.InitInfo info = device.initInfo();
            memslots = new Memslots(info);
            internalGroup = info.internalGroupId();
            memory = new GuestMemory(memslots, device::hostMemory);
            display = new DisplayChannel(id, info.surfacesCount());
            display.useJpeg(jpegCodec);
            display.useVideoEncoders(videoEncoders);
            display.useStreamTimer(ms -> streamTimer().start(ms));
            display.useReplacementTimer(ms -> replacementTimer().start(ms));
            reader = new QxlReader(memory, sid -> {
                Surface s = display.surface(sid);
                return s == null ? null : new int[] {s.width(), s.height()};
            });
            device.attachWorker();
            device.setCompressionLevel(compressionLevel);
        });
    }

    /** Queues work for the worker thread and returns at once. */
    public void submit(Runnable task) {
        if (!closed) {
            loop.execute(task);
        }
    }

    /**
     * Runs {@code task} on the worker and waits for it, as a synchronous spice_qxl_* call does. When it returns,
     * the task has run, or it never will: one the worker did not start within the timeout is abandoned (the host
     * thread is not stuck behind a stalled worker), one it started is waited for, and a closed worker runs none.
     */
    public void call(Runnable task) {
        if (loop.inLoop()) {
            task.run();
            return;
        }
        SyncCall call = new SyncCall(task);
        pendingCalls.add(call);
        if (closed) {
            call.abandon();
        } else {
            loop.execute(call);
        }
        try {
            call.await(syncTimeoutSeconds, id);
        } finally {
            pendingCalls.remove(call);
        }
    }

    /** Runs {@code task} on the worker, then reports {@code cookie} through async_complete. */
    public void async(long cookie, Runnable task) {
        submit(() -> {
            try {
                task.run();
            } finally {
                device.asyncComplete(cookie);
            }
        });
    }

    /**
     * The device has new commands (spice_qxl_wakeup, from a vCPU thread, often in bursts). One wake-up waits on the
     * worker at a time, as the reference's pending flag: a call while one waits adds neither a task nor an eventfd
     * write, and the flag is cleared before the ring is read, so a command pushed after that gets a wake-up of its own.
     */
    public void wakeup() {
        if (wakeupPending.compareAndSet(false, true)) {
            submit(() -> {
                wakeupPending.set(false);
                scheduleProcessing();
            });
        }
    }

    public void setRunning(boolean value) {
        call(() -> {
            if (value && display != null) {
                display.vmStarted(); // also when "running" already: the worker starts so for hosts without vm_start
            }
            if (running == value) {
                return; // a start while running is nothing, as the reference's handle_dev_start
            }
            running = value;
            if (value) {
                if (deviceHeardOfClients || display != null && !display.clients().isEmpty()) {
                    tellDeviceClients();
                }
                scheduleProcessing();
            }
        });
    }

    public void close() {
        if (closed) {
            return;
        }
        call(() -> {
            if (display != null) {
                display.drawDeferred();
                display.closeClients("display device removed");
                display.pixels().clear();
                display.closeJpeg();
            }
            cursor.closeClients("display device removed");
        });
        closed = true;
        loop.stop();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(syncTimeoutSeconds));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pendingCalls.forEach(SyncCall::abandon);
    }

    /**
     * Takes over a linked display or cursor channel connection from the main loop: the client lives on this
     * worker from now on. {@code onClosed} runs on the worker when the connection ends. Returns how to close it
     * from any thread. Any thread.
     */
    public Consumer<String> adoptChannel(SocketConnection.Handover handover, LinkMessage link,
                                         GlzWindow glz, Consumer<String> onClosed) {
        return adoptChannel(handover, link, glz, new NetworkEstimate(), onClosed);
    }

    /** As above, for a client session whose network test result display channels read from {@code network}. */
    public Consumer<String> adoptChannel(SocketConnection.Handover handover, LinkMessage link,
                                         GlzWindow glz, NetworkEstimate network, Consumer<String> onClosed) {
        return adopt(handover, link, glz, network, onClosed, null).close();
    }

    /** A channel this worker adopted, as its owner on another thread holds it: both post to the worker. */
    public record Adopted(Consumer<String> close, Runnable migrate) {
    }

    /**
     * As above; {@code migrationDataArrived}: the channel belongs to a client arriving seamlessly with its migrated
     * VM and waits for its state from the source, then this runs (on the worker); null for none. The handle also
     * starts a seamless migration of the channel (MIGRATE).
     */
    public Adopted adopt(SocketConnection.Handover handover, LinkMessage link, GlzWindow glz,
                         NetworkEstimate network, Consumer<String> onClosed, Runnable migrationDataArrived) {
        AtomicReference<ChannelClient> client = new AtomicReference<>();
        submit(() -> {
            SocketConnection connection = SocketConnection.adopt(handover, loop);
            ChannelClient c;
            Runnable detach;
            if (link.channelType() == ChannelType.DISPLAY) {
                DisplayChannelClient dc = new DisplayChannelClient(connection, link, display, glz, network);
                display.addClient(dc);
                tellDeviceClients();
                detach = () -> {
                    display.removeClient(dc);
                    tellDeviceClients();
                };
                c = dc;
            } else {
                CursorChannelClient cc = new CursorChannelClient(connection, link, cursor);
                cursor.addClient(cc);
                detach = () -> cursor.removeClient(cc);
                c = cc;
            }
            client.set(c);
            if (migrationDataArrived != null && ChannelClient.migratesData(link.channelType())) {
                c.awaitMigrationData(migrationDataArrived);
            }
            connection.start(in -> { }, reason -> {
                detach.run();
                if (c instanceof DisplayChannelClient dc) {
                    dc.detach();
                }
                onClosed.accept(reason);
            });
            c.start();
        });
        return new Adopted(reason -> onClient(client, c -> c.close(reason)),
                () -> onClient(client, ChannelClient::migrate));
    }

    /** The display capabilities the device hears of: the reference's guest_set_client_capabilities. */
    private static final int[] DEVICE_CLIENT_CAPS = {DisplayMessages.CAP_SIZED_STREAM,
        DisplayMessages.CAP_MONITORS_CONFIG, DisplayMessages.CAP_COMPOSITE, DisplayMessages.CAP_A8_SURFACE};

    /**
     * Tells the device whether a client's display channel is connected and which of {@link #DEVICE_CLIENT_CAPS}
     * every connected client has: when a client connects or leaves while the VM runs, and when the VM starts if
     * that changes what the device last heard. Unlike the reference, which counts a leaving client as still there,
     * the guest hears when the last one has gone; and a device that never heard of a client is not told there is
     * none at the start (QEMU's first start comes after the server's own, and QEMU calls an event before it a
     * server bug). Worker thread.
     */
    private void tellDeviceClients() {
        if (!running || display == null) {
            return;
        }
        List<LinkMessage> links = display.clients().stream().map(ChannelClient::link).toList();
        deviceHeardOfClients = !links.isEmpty();
        device.setClientCapabilities(deviceHeardOfClients, sharedCapabilities(links));
    }

    /** The bits of {@link #DEVICE_CLIENT_CAPS} that every one of {@code links} has; none without links. */
    static byte[] sharedCapabilities(List<LinkMessage> links) {
        byte[] caps = new byte[QxlDevice.CLIENT_CAPABILITIES_BYTES];
        for (int cap : DEVICE_CLIENT_CAPS) {
            if (!links.isEmpty() && links.stream().allMatch(l -> l.hasChannelCap(cap))) {
                caps[cap / 8] |= (byte) (1 << cap % 8);
            }
        }
        return caps;
    }

    /** Runs {@code action} on the worker with the adopted channel, once it exists. */
    private void onClient(AtomicReference<ChannelClient> client, Consumer<ChannelClient> action) {
        submit(() -> {
            ChannelClient c = client.get();
            if (c != null) {
                action.accept(c);
            }
        });
    }

    /** The stream timeout timer, made when the first stream starts. Worker thread. */
    private WorkerLoop.Timer streamTimer() {
        if (streamTimerRef == null) {
            streamTimerRef = loop.newTimer(() -> {
                long next = display.streamTimeout();
                if (next > 0) {
                    streamTimerRef.start(next);
                }
            });
        }
        return streamTimerRef;
    }

    /** The timer that ends a primary replacement's hold, made at the first one. Worker thread. */
    private WorkerLoop.Timer replacementTimer() {
        if (replacementTimerRef == null) {
            replacementTimerRef = loop.newTimer(display::replacementTimeout);
        }
        return replacementTimerRef;
    }

    /** Tells the device a new compression level, on the worker as every device callback. Any thread. */
    public void setCompressionLevel(int level) {
        submit(() -> device.setCompressionLevel(level));
    }

    /** The server's image compression setting changed. Any thread. */
    public void setImageCompression(int value) {
        submit(() -> display.setImageCompression(value));
    }

    /** spice_server_set_streaming_video (1 off, 2 all, 3 filter). Any thread. */
    public void setStreamingVideo(int mode) {
        submit(() -> display.setStreamingVideo(mode));
    }

    /** The server's jpeg and zlib-glz WAN settings (spice_wan_compression_t values). Any thread. */
    public void setWanCompression(int jpeg, int zlibGlz) {
        submit(() -> display.setWanCompression(jpeg, zlibGlz));
    }

    QxlDevice device() {
        return device;
    }

    QxlReader reader() {
        return reader;
    }

    /** Worker-thread state, for the channels and tests that run on it. */
    public Memslots memslots() {
        return memslots;
    }

    public GuestMemory memory() {
        return memory;
    }

    public DisplayChannel display() {
        return display;
    }

    public CursorChannel cursor() {
        return cursor;
    }

    public long commandsProcessed() {
        return commandsProcessed;
    }

    /** Releases the create commands kept for surfaces that no longer exist. */
    void releaseDestroyedSurfaces() {
        surfaceCreates.entrySet().removeIf(e -> {
            if (display.surface(e.getKey()) == null) {
                release(e.getValue());
                return true;
            }
            return false;
        });
    }

    private void scheduleProcessing() {
        if (!processingScheduled && running && !closed) {
            processingScheduled = true;
            loop.execute(processRingsTask);
        }
    }

    /** Takes commands from the device's rings; each is released back to the guest exactly once. */
    private void processRings() {
        processingScheduled = false;
        if (!running || memslots == null) {
            return;
        }
        boolean idle = false;
        try {
            idle = takeCommands();
        } finally {
            if (!idle) {
                scheduleProcessing(); // also after a failure, so no command waits for a wakeup that never comes
            }
        }
    }

    /** One turn over both rings; true when both are empty and the device will notify us of the next command. */
    private boolean takeCommands() {
        int taken = 0;
        QxlDevice.Command cmd;
        while (taken < MAX_COMMANDS_PER_TURN && (cmd = device.nextCommand()) != null) {
            taken++;
            handle(cmd);
        }
        while (taken < MAX_COMMANDS_PER_TURN && (cmd = device.nextCursorCommand()) != null) {
            taken++;
            handle(cmd);
        }
        display.commandsTaken();
        // A full turn, or a refused notification request (a command raced in), means: come back after other work.
        return taken < MAX_COMMANDS_PER_TURN
                && device.requestCommandNotification() & device.requestCursorNotification();
    }

    /** Handles one command from a ring or from loadvm_commands, and releases it (now or when clients have it). */
    void handle(QxlDevice.Command cmd) {
        commandsProcessed++;
        boolean keep = false;
        try {
            switch (cmd.type()) {
                case QxlReader.CMD_DRAW -> keep = draw(cmd);
                case QxlReader.CMD_SURFACE -> keep = surfaceCommand(cmd, reader.surface(cmd.data(), cmd.groupId()));
                case QxlReader.CMD_CURSOR -> cursor.apply(reader.cursor(cmd.data(), cmd.groupId()));
                case QxlReader.CMD_UPDATE -> {
                    // We draw as commands arrive, so the area is current already; QEMU's notify_update aborts, so
                    // like the reference with QEMU we do not call it.
                    int sid = reader.updateSurface(cmd.data(), cmd.groupId());
                    if (display.surface(sid) == null) {
                        throw new QxlException("update of surface " + sid + " that does not exist");
                    }
                }
                case QxlReader.CMD_MESSAGE -> drops.guestMessage(reader.message(cmd.data(), cmd.groupId()));
                case QxlReader.CMD_NOP -> { }
                default -> throw new QxlException("command type " + cmd.type() + " unknown");
            }
        } catch (QxlException e) {
            drops.dropped(cmd.type(), e.getMessage());
        } catch (Throwable t) { // OutOfMemoryError included: this command is lost, nothing else
            drops.failed(cmd.type(), t);
        }
        if (!keep) {
            release(cmd);
        }
    }

    /**
     * Reads a drawable, its images in a lease of their own that the display channel keeps until clients have them.
     * Returns true when the images are the host's memory used in place: the command is then released when the
     * lease closes instead of now.
     */
    private boolean draw(QxlDevice.Command cmd) {
        PixelPool.Lease images = display.pixels().lease(internalGroup);
        Drawable d;
        try {
            d = reader.drawable(cmd.data(), cmd.groupId(), cmd.flags(), images);
        } catch (Throwable t) {
            images.close();
            throw t;
        }
        if (!images.borrowsGuestMemory()) {
            display.draw(d, images);
            return false;
        }
        images.afterClose(() -> release(cmd)); // display.draw closes the lease on every path, errors included
        try {
            display.draw(d, images);
        } catch (QxlException e) {
            drops.dropped(cmd.type(), e.getMessage());
        } catch (Throwable t) {
            drops.failed(cmd.type(), t);
        }
        return true;
    }

    /** Creates or destroys a secondary surface; true when the command must stay unreleased. */
    private boolean surfaceCommand(QxlDevice.Command cmd, SurfaceCommand s) {
        if (!s.create()) {
            display.destroy(s.surfaceId());
            releaseDestroyedSurfaces();
            return false;
        }
        if (s.surfaceId() == 0) {
            throw new QxlException("surface 0 is the primary; it is not created by a command");
        }
        display.create(surface(s.surfaceId(), s.width(), s.height(), s.stride(), s.format(), s.data(), cmd.groupId(),
                false, (s.flags() & KEEP_DATA) != 0));
        surfaceCreates.put(s.surfaceId(), cmd);
        return true;
    }

    /** A surface over guest memory, after checking its geometry against what the memslot holds. */
    Surface surface(int surfaceId, int width, int height, int stride, int format, long address, int group,
                    boolean primary, boolean keepData) {
        long rowBytes = Surface.rowBytes(format, width);
        if (rowBytes < 0) {
            throw new QxlException("surface format " + format + " unknown");
        }
        if (width <= 0 || height <= 0 || width > QxlReader.MAX_IMAGE_SIDE || height > QxlReader.MAX_IMAGE_SIDE) {
            throw new QxlException("surface size " + width + "x" + height + " refused");
        }
        long absStride = Math.abs((long) stride);
        if (absStride < rowBytes) {
            throw new QxlException("surface stride " + stride + " is smaller than a row of " + rowBytes + " bytes");
        }
        MemorySegment pixels = memory.segment(address, absStride * height, group);
        if (!keepData) {
            pixels.fill((byte) 0); // a new surface starts black, as the reference clears it
        }
        surfaceMemory.put(surfaceId, new GuestRange(address, absStride * height, group, pixels.address()));
        return new Surface(surfaceId, width, height, format, stride, pixels, primary);
    }

    /**
     * The ids of live surfaces whose memory no memslot lends any more (the guest deleted or replaced the slot):
     * they must not be drawn on, since that memory is no longer the surface's. Worker thread.
     */
    List<Integer> surfacesOutsideMemslots() {
        List<Integer> lost = new ArrayList<>();
        surfaceMemory.entrySet().removeIf(e -> display.surface(e.getKey()) == null);
        surfaceMemory.forEach((id, range) -> {
            if (memslots.translate(range.address(), range.size(), range.group()).orElse(-1L) != range.hostAddress()) {
                lost.add(id);
            }
        });
        return lost;
    }

    private void release(QxlDevice.Command cmd) {
        OptionalLong releaseInfo = memslots.translate(cmd.data(), 8, cmd.groupId());
        if (releaseInfo.isPresent()) {
            device.releaseResource(releaseInfo.getAsLong(), cmd.groupId());
        } else {
            LOG.warn("display {}: command type {} at 0x{} is outside every memslot; cannot release it", id,
                    cmd.type(), Long.toHexString(cmd.data()));
        }
    }
}
