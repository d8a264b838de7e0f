package org.spicejava.core.host;

import java.io.IOException;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands work from other threads (display workers) to the host's main-loop thread, the way the reference's main
 * dispatcher does: a queue plus a wake-up descriptor the host watches. Create and close it on the main thread;
 * {@link #execute} from any thread.
 */
public final class MainDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(MainDispatcher.class);

    private final NetworkStack network;
    private final int fd;
    private final EventLoop.Watch watch;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private boolean closed;

    public MainDispatcher(EventLoop mainLoop, NetworkStack network) throws IOException {
        this.network = network;
        this.fd = network.openWakeup();
        this.watch = mainLoop.newWatch(fd, EventLoop.READ, events -> runPending());
    }

    /** Runs {@code task} on the main-loop thread soon; after {@link #close} it is dropped. Any thread. */
    public void execute(Runnable task) {
        synchronized (this) { // never wake a closed fd: the host may have reused its number
            if (closed) {
                LOG.debug("main-loop task offered after close; dropped");
                return;
            }
            tasks.add(task);
            network.wake(fd);
        }
    }

    /** Runs what was queued before this turn: the host's loop gets back control between turns. */
    private void runPending() {
        network.drainWakeup(fd);
        for (int n = tasks.size(); n > 0; n--) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            run(task);
        }
        if (!tasks.isEmpty()) {
            network.wake(fd); // come back for the rest on the next turn
        }
    }

    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.error("main-loop task failed", e);
        }
    }

    /** Main-loop thread; runs what was queued before, then nothing more. */
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            watch.remove();
            network.close(fd);
        }
        Runnable task;
        while ((task = tasks.poll()) != null) {
            run(task);
        }
    }
}
