package org.spicejava.core.display;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.device.QxlDevice;
import org.spicejava.core.host.WorkerLoop;

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

    private final QxlDevice device;
    private final int id;
    private final WorkerLoop loop;
    private final Thread thread;
    private Memslots memslots;
    private PrimarySurface primary;
    private boolean running;
    private boolean processingScheduled;
    private volatile boolean closed;
    private long commandsProcessed;

    public DisplayWorker(int id, QxlDevice device, WorkerLoop loop) {
        this.id = id;
        this.device = device;
        this.loop = loop;
        this.thread = Thread.ofPlatform().name("spice-display-" + id).daemon().unstarted(loop::run);
    }

    public int id() {
        return id;
    }

    /** The worker's event loop: channels of this display live on it. */
    public WorkerLoop loop() {
        return loop;
    }

    /** Starts the thread; the device's attach and init-info callbacks run first, on the worker. */
    public void start(int compressionLevel) {
        thread.start();
        call(() -> {
            device.attachWorker();
            device.setCompressionLevel(compressionLevel);
            memslots = new Memslots(device.initInfo());
        });
    }

    /** Queues work for the worker thread and returns at once. */
    public void submit(Runnable task) {
        if (!closed) {
            loop.execute(task);
        }
    }

    /** Runs {@code task} on the worker and waits for it, as a synchronous spice_qxl_* call does. */
    public void call(Runnable task) {
        if (loop.inLoop()) {
            task.run();
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        submit(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            done.get(SYNC_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.error("display {}: synchronous call failed", id, e);
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

    /** The device has new commands (spice_qxl_wakeup). */
    public void wakeup() {
        submit(this::scheduleProcessing);
    }

    public void setRunning(boolean value) {
        call(() -> {
            running = value;
            if (value) {
                scheduleProcessing();
            }
        });
    }

    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.stop();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(SYNC_TIMEOUT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Worker-thread state, for the channels and tests that run on it. */
    public Memslots memslots() {
        return memslots;
    }

    public PrimarySurface primary() {
        return primary;
    }

    void setPrimary(PrimarySurface surface) {
        primary = surface;
    }

    public long commandsProcessed() {
        return commandsProcessed;
    }

    private void scheduleProcessing() {
        if (!processingScheduled && running && !closed) {
            processingScheduled = true;
            loop.execute(this::processRings);
        }
    }

    /** Takes commands from the device's rings; each is released back to the guest exactly once. */
    private void processRings() {
        processingScheduled = false;
        if (!running || memslots == null) {
            return;
        }
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
        // A full turn, or a refused notification request (a command raced in), means: come back after other work.
        boolean idle = taken < MAX_COMMANDS_PER_TURN
                && device.requestCommandNotification() & device.requestCursorNotification();
        if (!idle) {
            scheduleProcessing();
        }
    }

    private void handle(QxlDevice.Command cmd) {
        commandsProcessed++;
        // Every QXL command starts with its QXLReleaseInfo; hand the translated address back to the device.
        memslots.translate(cmd.data(), 8, cmd.groupId()).ifPresentOrElse(
                releaseInfo -> device.releaseResource(releaseInfo, cmd.groupId()),
                () -> LOG.warn("display {}: command type {} at 0x{} is outside every memslot; dropped",
                        id, cmd.type(), Long.toHexString(cmd.data())));
    }
}
