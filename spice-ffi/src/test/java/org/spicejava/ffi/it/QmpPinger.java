package org.spicejava.ffi.it;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Asks QEMU for query-status every 250 ms on a thread of its own and keeps the slowest answer: QEMU's main loop also
 * runs the SPICE server's link handling, so a server that blocks there makes QMP wait.
 */
final class QmpPinger implements AutoCloseable {
    private final AtomicLong maxNanos = new AtomicLong();
    private final Thread thread;
    private volatile boolean stop;

    QmpPinger(FaultGuest guest) {
        thread = Thread.ofPlatform().name("qmp-pinger").start(() -> {
            while (!stop && guest.run.process().isAlive()) {
                long t = System.nanoTime();
                try {
                    guest.qmp("{\"execute\":\"query-status\"}");
                } catch (Exception | AssertionError e) {
                    return; // QEMU went away; the test sees that itself
                }
                maxNanos.accumulateAndGet(System.nanoTime() - t, Math::max);
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    long maxMillis() {
        return TimeUnit.NANOSECONDS.toMillis(maxNanos.get());
    }

    @Override
    public void close() {
        stop = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(35));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
