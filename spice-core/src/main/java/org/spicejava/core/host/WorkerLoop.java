package org.spicejava.core.host;

/**
 * An event loop that runs on a thread of its own (a display worker's): watches and timers like the host's main
 * loop, plus {@link #execute} to hand it work from any other thread through a wake-up (the reference's
 * dispatcher). Only {@link #execute} and {@link #stop} may be called from other threads.
 */
public interface WorkerLoop extends EventLoop {
    /** Queues a task to run on the loop's thread; wakes the loop. Any thread. */
    void execute(Runnable task);

    /** Runs the loop on the calling thread until {@link #stop}. */
    void run();

    /** Makes {@link #run} return after the current iteration. Any thread. */
    void stop();

    /** True on the loop's own thread. */
    boolean inLoop();

    /** Creates loops; the server gets one from its host binding. */
    interface Factory {
        WorkerLoop create(String name);
    }
}
