package org.spicejava.core.display;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A synchronous spice_qxl_* call on its way to the display worker (the reference's dispatcher sends and waits).
 * It runs at most once, and either runs or is abandoned, never both: a caller that stops waiting is sure the
 * work did not and will not happen. Any thread.
 */
final class SyncCall implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncCall.class);
    private static final int PENDING = 0;
    private static final int RUNNING = 1;
    private static final int ABANDONED = 2;

    private final Runnable task;
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private final CountDownLatch done = new CountDownLatch(1);

    SyncCall(Runnable task) {
        this.task = task;
    }

    /** On the worker. */
    @Override
    public void run() {
        if (!state.compareAndSet(PENDING, RUNNING)) {
            return;
        }
        try {
            task.run();
        } catch (Throwable t) {
            LOG.error("synchronous display call failed", t);
        } finally {
            done.countDown();
        }
    }

    /** Makes sure a call that has not started never will; true when it was abandoned by this call. */
    boolean abandon() {
        if (state.compareAndSet(PENDING, ABANDONED)) {
            done.countDown();
            return true;
        }
        return false;
    }

    /**
     * Waits up to {@code timeoutSeconds} for the worker to start and finish the call. A call still waiting then is
     * abandoned; one already running is waited for to its end, since the host's state must not change under it.
     */
    void await(long timeoutSeconds, int display) {
        boolean interrupted = false;
        try {
            if (done.await(timeoutSeconds, TimeUnit.SECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (abandon()) {
            LOG.error("display {}: the worker did not take a synchronous call within {} s; it will not run",
                    display, timeoutSeconds);
        } else {
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
