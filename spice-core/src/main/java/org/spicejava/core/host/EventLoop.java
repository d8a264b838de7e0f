package org.spicejava.core.host;

import java.util.function.IntConsumer;

/**
 * Watches and timers of one thread's event loop: the host's main loop (SpiceCoreInterface) or a display worker's
 * own poll loop. Call it only on the thread that owns it; callbacks arrive on that thread too.
 */
public interface EventLoop {
    /** Event mask bits, as SPICE_WATCH_EVENT_READ / _WRITE. */
    int READ = 1;
    int WRITE = 2;

    /** A timer that runs {@code task} once each time it is started and expires. */
    Timer newTimer(Runnable task);

    /** Watches {@code fd} for the events in {@code mask}; {@code onEvents} receives the events that fired. */
    Watch newWatch(int fd, int mask, IntConsumer onEvents);

    /** A one-shot timer handle. */
    interface Timer {
        void start(long millis);

        void cancel();

        /** Cancels and releases the timer; it may not be used afterwards. */
        void remove();
    }

    /** A timer that never fires, for loops without a clock (a warm-up's made-up connections, tests). */
    Timer IDLE_TIMER = new Timer() {
        @Override
        public void start(long millis) {
        }

        @Override
        public void cancel() {
        }

        @Override
        public void remove() {
        }
    };

    /** A file-descriptor watch handle. */
    interface Watch {
        void updateMask(int mask);

        /** Stops watching; the fd itself is not closed. */
        void remove();
    }
}
