package org.spicejava.core.host;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * A worker loop in plain Java for tests of code that runs on a display worker: a task queue on the thread that
 * calls {@link #run}. It has no fds, so it refuses watches; its timers never fire (a worker asks for the hold after
 * the VM starts, which those tests do not wait for).
 */
public final class QueueWorkerLoop implements WorkerLoop {
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private volatile boolean stopped;
    private volatile Thread owner;
    /** Tasks that were queued and never ran because the loop had stopped. */
    private volatile int dropped;

    @Override
    public void execute(Runnable task) {
        if (stopped) {
            dropped++;
            return;
        }
        tasks.add(task);
    }

    @Override
    public void run() {
        owner = Thread.currentThread();
        while (!stopped) {
            try {
                Runnable task = tasks.poll(50, TimeUnit.MILLISECONDS);
                if (task != null && !stopped) {
                    task.run();
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                // as PollLoop: a failing task is logged there and the loop goes on
            }
        }
        dropped += tasks.size();
    }

    @Override
    public void stop() {
        stopped = true;
    }

    @Override
    public boolean inLoop() {
        return Thread.currentThread() == owner;
    }

    /** Tasks queued and not yet taken. */
    public int pending() {
        return tasks.size();
    }

    public int dropped() {
        return dropped;
    }

    @Override
    public Timer newTimer(Runnable task) {
        return IDLE_TIMER;
    }

    @Override
    public Watch newWatch(int fd, int mask, IntConsumer onEvents) {
        throw new UnsupportedOperationException("no fds in this test loop");
    }
}
